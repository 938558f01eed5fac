import Dispatch
import Foundation
import JSONRPC

/// `clip-bench index [--images N] [--model DIR] [--runs N]`: issue 17's `index` targets, through the release
/// `clip-worker`, in temporary directories only.
///
/// - `--images` (1,000) new photo-sized JPEGs (`reference/index_images.py`, Pillow: 640×480 or 480×640, varied
///   content), embedded by a fresh worker on an empty store with `encodeImage` (requests of 16 paths, all sent before
///   the first answer is read, so that the worker can batch them), and indexed as a folder by another fresh worker
///   on another empty store. Target: `index` within 5% of `encodeImage` (model-bound). Both workers embed one other
///   image first, so that neither time includes loading the model. `--runs` alternates the two and takes medians;
///   the workers' CPU times are compared too (on a shared machine the wall times swing by tens of percent).
/// - Indexing the same folder again with nothing changed, in the same worker and in a fresh one (which reads the
///   collection's file first). Target: ≥ 5,000 files/s.
///
/// `--model` defaults to `.bench/vit-b32` (ViT-B/32-shaped random weights, written if missing).
struct IndexBenchmark {
  var images = 1000
  var runs = 1
  var model = BenchCheckpoint.defaultDirectory
  /// Paths per `encodeImage` request: what `index` gives the batcher at a time (`Index.chunk`).
  let requestSize = 16

  init(arguments: [String]) throws {
    let values = try optionValues(arguments, allowed: ["--images", "--model", "--runs"])
    images = try positiveInteger(values, "--images") ?? images
    runs = try positiveInteger(values, "--runs") ?? runs
    if let path = values["--model"] { model = URL(fileURLWithPath: path, isDirectory: true) }
  }

  func run() throws {
    signal(SIGPIPE, SIG_IGN)
    try BenchCheckpoint.generateIfMissing(model)
    let root = FileManager.default.temporaryDirectory
      .appendingPathComponent("clip-bench-index-\(ProcessInfo.processInfo.processIdentifier)", isDirectory: true)
    let folder = root.appendingPathComponent("photos", isDirectory: true)
    let warmUp = root.appendingPathComponent("warm-up", isDirectory: true)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(at: warmUp, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: root) }
    let made = try Self.makeImages(in: folder, count: images, seed: 0)
    _ = try Self.makeImages(in: warmUp, count: 1, seed: 1)
    let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
      .map { folder.appendingPathComponent($0).path }
    let warmUpFile = warmUp.appendingPathComponent("photo-00000.jpg").path
    print("clip-bench index: \(files.count) JPEGs (\(made)), model \(model.lastPathComponent), 2 threads, "
          + "\(runs) run(s)")

    var encodeTimes: [Double] = [], indexTimes: [Double] = [], sameWorker: [Double] = [], freshWorker: [Double] = []
    // The worker's CPU seconds over the same spans: the work done, which other load on the machine distorts less.
    var encodeCPU: [Double] = [], indexCPU: [Double] = []
    for run in 0..<runs {
      for side in run % 2 == 0 ? [0, 1] : [1, 0] {
        let store = root.appendingPathComponent("store-\(run)-\(side)").path
        let worker = try startBenchWorker(model: model, store: store)
        var call = Call(worker: worker)
        _ = try call.result("initialize", #"{}"#)
        _ = try call.result("encodeImage", #"{"images":[{"path":"\#(warmUpFile)"}],"encoding":"base64"}"#)
        if side == 0 {
          let cpu = worker.cpuSeconds ?? 0
          encodeTimes.append(try Self.seconds { try call.encodeAll(files, requestSize: requestSize) })
          encodeCPU.append((worker.cpuSeconds ?? 0) - cpu)
          print(String(format: "  run %d: encodeImage %.2f s (%.1f ms per image, %.1f CPU s)", run + 1,
                       encodeTimes.last!, encodeTimes.last! * 1000 / Double(files.count), encodeCPU.last!))
          continue
        }
        let params = #"{"collection":"photos","folder":{"path":"\#(folder.path)"}}"#
        var counts: [String: Double] = [:]
        let cpu = worker.cpuSeconds ?? 0
        indexTimes.append(try Self.seconds { counts = try call.indexCounts(params) })
        indexCPU.append((worker.cpuSeconds ?? 0) - cpu)
        try Self.expect(counts, added: files.count, unchanged: 0)
        sameWorker.append(try Self.seconds { counts = try call.indexCounts(params) })
        try Self.expect(counts, added: 0, unchanged: files.count)
        let fresh = try startBenchWorker(model: model, store: store)
        var freshCall = Call(worker: fresh)
        _ = try freshCall.result("initialize", #"{}"#)
        // The model is loaded by the first request that needs it: load it first, so that only the re-index is timed.
        _ = try freshCall.result("encodeImage", #"{"images":[{"path":"\#(warmUpFile)"}],"encoding":"base64"}"#)
        freshWorker.append(try Self.seconds { counts = try freshCall.indexCounts(params) })
        try Self.expect(counts, added: 0, unchanged: files.count)
        print(String(format: "  run %d: index %.2f s (%.1f ms per image, %.1f CPU s); again: %.1f ms in the same "
                     + "worker, %.1f ms in a fresh one", run + 1, indexTimes.last!,
                     indexTimes.last! * 1000 / Double(files.count), indexCPU.last!, sameWorker.last! * 1000,
                     freshWorker.last! * 1000))
      }
    }
    let (encode, index) = (median(encodeTimes), median(indexTimes))
    let ratio = index / encode
    let rates = (same: Double(files.count) / median(sameWorker), fresh: Double(files.count) / median(freshWorker))
    print("")
    print(["figure", "ours", "target", "met"].joined(separator: " | "))
    print([String(format: "index of %d new JPEGs vs encodeImage of the same files", files.count),
           String(format: "%.2f s vs %.2f s: %.3fx", index, encode, ratio), "<= 1.05x",
           ratio <= 1.05 ? "met" : "MISSED"].joined(separator: " | "))
    let cpuRatio = median(indexCPU) / median(encodeCPU)
    print(["the same in the worker's CPU time", String(format: "%.1f s vs %.1f s: %.3fx", median(indexCPU),
                                                        median(encodeCPU), cpuRatio),
           "<= 1.05x", cpuRatio <= 1.05 ? "met" : "MISSED"].joined(separator: " | "))
    for (name, rate) in [("re-index, nothing changed, same worker", rates.same),
                         ("re-index, nothing changed, fresh worker", rates.fresh)] {
      print([name, String(format: "%.0f files/s", rate), ">= 5000 files/s", rate >= 5000 ? "met" : "MISSED"]
        .joined(separator: " | "))
    }
  }

  /// One worker's numbered calls.
  private struct Call {
    let worker: PythonReference
    var next = 0

    mutating func result(_ method: String, _ params: String) throws -> JSONValue {
      next += 1
      let reply = try JSONParser.parse(Array(try worker.ask(
        #"{"jsonrpc":"2.0","id":\#(next),"method":"\#(method)","params":\#(params)}"#).utf8))
      guard let result = reply["result"] else { throw BenchError.workerFailed(reason: "\(method) answered \(reply)") }
      return result
    }

    mutating func indexCounts(_ params: String) throws -> [String: Double] {
      let result = try self.result("index", params)
      if let failed = result["failed"]?.arrayValue, !failed.isEmpty {
        throw BenchError.workerFailed(reason: "index failed files: \(failed.prefix(3))")
      }
      var counts: [String: Double] = [:]
      for key in ["added", "updated", "removed", "unchanged"] { counts[key] = result[key]?.numberValue?.doubleValue }
      return counts
    }

    /// Every file through `encodeImage`, `requestSize` per request, all requests written before any answer is read.
    mutating func encodeAll(_ files: [String], requestSize: Int) throws {
      let chunks = stride(from: 0, to: files.count, by: requestSize)
        .map { Array(files[$0..<min(files.count, $0 + requestSize)]) }
      let first = next + 1
      next += chunks.count
      // The writer thread only writes the child's stdin and this thread only reads its stdout: no shared state.
      nonisolated(unsafe) let sender = worker
      let writer = Thread {
        for (offset, chunk) in chunks.enumerated() {
          let images = chunk.map { #"{"path":"\#($0)"}"# }.joined(separator: ",")
          sender.send(#"{"jsonrpc":"2.0","id":\#(first + offset),"method":"encodeImage","params":{"images":[\#(images)],"#
                      + #""encoding":"base64"}}"#)
        }
      }
      writer.start()
      for _ in chunks {
        let reply = try JSONParser.parse(Array(try worker.readLine().utf8))
        guard let cached = reply["result"]?["cached"]?.arrayValue, cached.allSatisfy({ $0 == false }) else {
          throw BenchError.workerFailed(reason: "encodeImage answered \(reply)")
        }
      }
    }
  }

  private static func expect(_ counts: [String: Double], added: Int, unchanged: Int) throws {
    guard counts["added"] == Double(added), counts["unchanged"] == Double(unchanged), counts["updated"] == 0,
          counts["removed"] == 0
    else { throw BenchError.workerFailed(reason: "index counted \(counts), expected \(added) added, \(unchanged) unchanged") }
  }

  private static func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
  }

  /// Writes `count` JPEGs into `directory` with `reference/index_images.py`; its summary line.
  private static func makeImages(in directory: URL, count: Int, seed: Int) throws -> String {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("reference/index_images.py")
    let process = Process()
    let output = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", script.path, directory.path, String(count), String(seed)]
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw BenchError.referenceFailed(script: "index_images.py", reason: "exit status \(process.terminationStatus)")
    }
    let summary = try JSONParser.parse(Array(data))
    let bytes = summary["bytes"]?.numberValue?.doubleValue ?? 0
    return String(format: "%.1f MB", bytes / 1e6)
  }
}
