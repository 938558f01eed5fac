import Dispatch
import Foundation
import ImageCodecs
import JSONRPC
import PersistentStore

/// `clip-bench store [--entries N] [--images N] [--model DIR] [--runs N]`: the persistent store's targets (issue 16),
/// each against the release `clip-worker` where the worker is involved, in temporary directories only:
///
/// - opening a store of `--entries` (1,000,000) 512-float records: time to the first answer, index bytes per entry
///   (`StoreBenchmark`, the module's own measurement);
/// - a warm run: `--images` (10,000) distinct image files embedded once by one worker, then, by a fresh worker
///   (empty memory cache), all of them again through `encodeImage` with paths, 100 per request, pipelined:
///   embeddings per second, reading and hashing the files included (tiny model: the model is not what is timed);
/// - what writing costs a cold embedding: two resident workers on `--model` (ViT-B/32-shaped by default), one with a
///   store and one without, embedding images neither has seen, alternating, medians over `--runs` calls each.
struct StoreCommand {
  var entries = 1_000_000
  var images = 10_000
  var runs = 30
  var model = BenchCheckpoint.defaultDirectory
  let warmModel = BenchCheckpoint.packageRoot.appendingPathComponent("Tests/CLIPTests/Fixtures/tiny-clip")
  /// The side of the generated images (24-bit BMP, 12 KiB each at 64).
  let side = 64

  init(arguments: [String]) throws {
    let values = try optionValues(arguments, allowed: ["--entries", "--images", "--model", "--runs"])
    entries = try positiveInteger(values, "--entries") ?? entries
    images = try positiveInteger(values, "--images") ?? images
    runs = try positiveInteger(values, "--runs") ?? runs
    if let path = values["--model"] { model = URL(fileURLWithPath: path, isDirectory: true) }
  }

  func run() throws {
    signal(SIGPIPE, SIG_IGN)
    let root = FileManager.default.temporaryDirectory
      .appendingPathComponent("clip-bench-store-\(ProcessInfo.processInfo.processIdentifier)", isDirectory: true)
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: root) }

    let report = StoreBenchmark.run(directory: root, entries: entries, dimension: 512)
    print(report)
    var figures = [
      SpeedFigure(name: "open \(entries) entries to the first answer", ours: format(report.openToFirstAnswerMilliseconds) + " ms",
                  reference: "-", ratio: report.openToFirstAnswerMilliseconds, target: "<= 150 ms",
                  met: report.openToFirstAnswerMilliseconds <= 150),
      SpeedFigure(name: "index bytes per entry", ours: format(report.indexBytesPerEntry), reference: "-",
                  ratio: report.indexBytesPerEntry, target: "<= 64", met: report.indexBytesPerEntry <= 64),
    ]

    let files = try writeImages(count: images, to: root.appendingPathComponent("images"), seed: 0)
    let warm = try warmRate(files: files, store: root.appendingPathComponent("warm-store"))
    figures.append(SpeedFigure(name: "warm encodeImage by path, \(images) stored images", ours: format(warm, digits: 0) + "/s",
                               reference: "-", ratio: warm, target: ">= 20000/s", met: warm >= 20_000))

    let (withStore, without) = try coldCost(root: root)
    let overhead = (withStore / without - 1) * 100
    let insertShare = 1e6 / report.insertsPerSecond / (without * 1000) * 100
    print("cold image embedding (\(model.lastPathComponent), \(runs) new images per side, median): with a store "
          + "\(format(withStore, digits: 2)) ms, without \(format(without, digits: 2)) ms: \(format(overhead, digits: 2))% "
          + "(noise of two medians); one insert costs \(format(1e6 / report.insertsPerSecond, digits: 2)) us = "
          + "\(format(insertShare, digits: 3))% of the embedding")
    figures.append(SpeedFigure(name: "writing's cost on a cold image embedding", ours: format(overhead, digits: 2) + "%",
                               reference: "insert \(format(insertShare, digits: 3))%", ratio: overhead,
                               target: "<= 2%", met: overhead <= 2))
    print("")
    print(["figure", "ours", "other", "target", "met"].joined(separator: " | "))
    for figure in figures {
      print([figure.name, figure.ours, figure.reference, figure.target, figure.met ? "yes" : "NO"].joined(separator: " | "))
    }
  }

  /// Embeds `files` once into `store` with one worker, then times a fresh worker embedding them all again.
  private func warmRate(files: [String], store: URL) throws -> Double {
    _ = try embedAll(files, worker: startWorker(model: warmModel, store: store.path), expect: nil)
    var rates: [Double] = []
    for _ in 0..<3 {
      let worker = try startWorker(model: warmModel, store: store.path)
      _ = try worker.ask(#"{"jsonrpc":"2.0","id":0,"method":"initialize"}"#)
      let start = DispatchTime.now().uptimeNanoseconds
      _ = try embedAll(files, worker: worker, expect: "store")
      rates.append(Double(files.count) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
    }
    print("warm run: \(files.count) images of \(side)x\(side) (\(side * side * 3 + 54) bytes), all from the store, "
          + "fresh worker each time: \(rates.map { format($0, digits: 0) }.joined(separator: ", ")) embeddings/s")
    return median(rates)
  }

  /// Sends every file in requests of 100, all written before any reply is read; checks every `cached` is `expect`.
  private func embedAll(_ files: [String], worker: PythonReference, expect: String?) throws -> Int {
    let chunks = stride(from: 0, to: files.count, by: 100).map { Array(files[$0..<min(files.count, $0 + 100)]) }
    // The writer thread only writes the child's stdin and this thread only reads its stdout: no shared state.
    nonisolated(unsafe) let sender = worker
    let writer = Thread {
      for (id, chunk) in chunks.enumerated() {
        let images = chunk.map { #"{"path":"\#($0)"}"# }.joined(separator: ",")
        sender.send(#"{"jsonrpc":"2.0","id":\#(id + 1),"method":"encodeImage","params":{"images":[\#(images)],"encoding":"base64"}}"#)
      }
    }
    writer.start()
    var answered = 0
    for _ in chunks {
      let reply = try JSONParser.parse(Array(try worker.readLine().utf8))
      guard let cached = reply["result"]?["cached"]?.arrayValue else {
        throw BenchError.workerFailed(reason: "encodeImage answered \(reply)")
      }
      if let expect, let other = cached.first(where: { $0 != .string(expect) }) {
        throw BenchError.workerFailed(reason: "an image came from \(other), not the \(expect)")
      }
      answered += cached.count
    }
    return answered
  }

  /// Median milliseconds of one new image's embedding with a store and without, the two workers alternating.
  private func coldCost(root: URL) throws -> (withStore: Double, without: Double) {
    try BenchCheckpoint.generateIfMissing(model)
    let files = try writeImages(count: 2 * (runs + 2), to: root.appendingPathComponent("cold"), seed: 1)
    let stored = try startWorker(model: model, store: root.appendingPathComponent("cold-store").path)
    let plain = try startWorker(model: model, store: "none")
    var times: [[Double]] = [[], []]
    for (index, file) in files.enumerated() {
      let side = (index / 2) % 2 == 0 ? index % 2 : 1 - index % 2
      let worker = side == 0 ? stored : plain
      let start = DispatchTime.now().uptimeNanoseconds
      let reply = try JSONParser.parse(Array(try worker.ask(
        #"{"jsonrpc":"2.0","id":\#(index),"method":"encodeImage","params":{"images":[{"path":"\#(file)"}],"encoding":"base64"}}"#).utf8))
      let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
      guard reply["result"]?["cached"] == [false] else { throw BenchError.workerFailed(reason: "cold image: \(reply)") }
      if index >= 4 { times[side].append(elapsed) }  // two warm-up calls each
    }
    return (median(times[0]), median(times[1]))
  }

  private func startWorker(model: URL, store: String) throws -> PythonReference {
    try startBenchWorker(model: model, store: store)
  }

  /// `count` distinct 24-bit BMP files of `side`×`side` (random pixels) in `directory`; their paths.
  private func writeImages(count: Int, to directory: URL, seed: Int) throws -> [String] {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return try (0..<count).map { index in
      var state = UInt64(index &* 2 &+ seed) &* 0x9E37_79B9_7F4A_7C15 | 1
      let pixels = (0..<(side * side * 3)).map { _ -> UInt8 in
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return UInt8(truncatingIfNeeded: state)
      }
      let path = directory.appendingPathComponent("image-\(index).bmp").path
      try Data(BMP.encode(RGBImage(width: side, height: side, pixels: pixels))).write(to: URL(fileURLWithPath: path))
      return path
    }
  }
}
