import Foundation
import JSONRPC
import Synchronization

/// `clip-bench soak [--requests N] [--model DIR] [--images DIR] [--cache-mb N]`: runs the clip-worker built
/// beside this executable, writes N mixed requests without waiting for any answer (texts new and repeated,
/// images by path and by data, classify, cacheStats, and invalid ones), reads every response concurrently,
/// and reports throughput, the worker's peak memory, and lost or duplicated responses. Exits non-zero when
/// any response is lost or duplicated.
struct SoakBenchmark {
  var requests = 100_000
  var model = "Tests/CLIPTests/Fixtures/tiny-clip"
  var images = "Tests/WorkerTests/Fixtures/images"
  /// Small, so that a long run cycles the cache many times and shows its bound holds.
  var cacheMB = 8

  init(arguments: [String]) throws {
    let values = try optionValues(arguments, allowed: ["--requests", "--cache-mb", "--model", "--images"])
    requests = try positiveInteger(values, "--requests") ?? requests
    cacheMB = try positiveInteger(values, "--cache-mb") ?? cacheMB
    model = values["--model"] ?? model
    images = values["--images"] ?? images
  }

  /// What one request expects back: a response with its id, or (for a line that is not JSON) one with a
  /// null id.
  private enum Expectation { case id(Int), nullID }

  func run() throws {
    let imagePaths = try FileManager.default.contentsOfDirectory(atPath: images).filter {
      [".png", ".jpg", ".jpeg", ".gif", ".bmp"].contains(where: $0.lowercased().hasSuffix)
    }.sorted().map { URL(fileURLWithPath: images).appendingPathComponent($0).path }
    guard !imagePaths.isEmpty else { throw BenchError.badArgument("--images \(images): no images") }
    let imageData = try imagePaths.map { try Data(contentsOf: URL(fileURLWithPath: $0)).base64EncodedString() }

    var lines: [[UInt8]] = []
    var expectedIDs = 0, expectedNullIDs = 0
    lines.reserveCapacity(requests)
    for index in 0..<requests {
      let (line, expectation) = request(index, imagePaths: imagePaths, imageData: imageData)
      lines.append(line)
      if case .id = expectation { expectedIDs += 1 } else { expectedNullIDs += 1 }
    }

    let executable = Bundle.main.executableURL!.deletingLastPathComponent().appendingPathComponent("clip-worker")
    let process = Process()
    process.executableURL = executable
    process.arguments = ["--model", model, "--cache-mb", "\(cacheMB)", "--log-level", "error", "--store", "none"]
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    let pid = process.processIdentifier

    let counts = Counts(requests: requests)
    let reader = Thread {
      var framer = LineFramer(maxLineBytes: 64 * 1024 * 1024)
      let handle = output.fileHandleForReading
      while case let data = handle.availableData, !data.isEmpty {
        for case let .line(bytes) in framer.push(data) { counts.record(bytes) }
      }
      if case let .line(bytes)? = framer.finish() { counts.record(bytes) }
      counts.done.signal()
    }
    reader.start()
    let memory = MemoryWatcher(pid: pid)
    memory.start()

    let started = Date()
    let writer = input.fileHandleForWriting
    var pending = Data()
    for line in lines {
      pending.append(contentsOf: line)
      pending.append(0x0A)
      if pending.count >= 256 * 1024 {
        try writer.write(contentsOf: pending)
        pending.removeAll(keepingCapacity: true)
      }
    }
    try writer.write(contentsOf: pending)
    let written = Date()
    // End of input: the worker answers what it has and exits 0.
    try writer.close()
    counts.done.wait()
    let elapsed = Date().timeIntervalSince(started)
    process.waitUntilExit()
    memory.stop()

    let report = counts.report(expectedIDs: expectedIDs, expectedNullIDs: expectedNullIDs)
    print("soak: \(requests) requests (\(expectedNullIDs) not JSON) against \(model), cache \(cacheMB) MiB")
    print("  written in \(format(written.timeIntervalSince(started), digits: 2)) s, all answered in "
      + "\(format(elapsed, digits: 2)) s: \(format(Double(requests) / elapsed, digits: 0)) requests/s")
    print("  worker peak RSS (VmHWM): \(memory.peakDescription); RSS at 25/50/75/100% of the run: "
      + memory.quartilesDescription)
    print("  responses: \(report.answered) with ids, \(report.nullIDs) with null ids; errors by code: "
      + report.errorCodes.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))
    print("  lost: \(report.lost), duplicated: \(report.duplicated), unexpected: \(report.unexpected); "
      + "worker exit code \(process.terminationStatus)")
    if report.lost > 0 || report.duplicated > 0 || report.unexpected > 0 || process.terminationStatus != 0 {
      throw SoakFailure(description: "responses lost, duplicated or unexpected, or the worker failed")
    }
  }

  /// Request `index` of the mix, as one line.
  private func request(_ index: Int, imagePaths: [String], imageData: [String]) -> ([UInt8], Expectation) {
    let image = imagePaths[index % imagePaths.count]
    let params: String
    let method: String
    switch index % 20 {
    case 0..<6:
      // Mostly a recurring set of texts (cache hits), one in six never seen before (misses, evictions).
      let text = index % 6 == 0 ? "a unique caption \(index)" : "a photo of thing \(index % 500)"
      method = "encodeText"
      params = #"{"texts":["\#(text)"]}"#
    case 6:
      method = "encodeText"
      params = #"{"texts":[\#((0..<8).map { #""batch \#(index) item \#($0)""# }.joined(separator: ","))]}"#
    case 7..<10:
      method = "encodeImage"
      params = #"{"images":[{"path":"\#(image)"}]}"#
    case 10..<12:
      method = "encodeImage"
      params = #"{"images":[{"data":"\#(imageData[index % imageData.count])"}],"encoding":"base64"}"#
    case 12..<14:
      method = "classify"
      params = #"{"image":{"path":"\#(image)"},"labels":["cat","dog","label \#(index % 50)"],"topK":2}"#
    case 14..<17:
      method = "cacheStats"
      params = "{}"
    case 17:
      method = "encodeText"
      params = #"{"texts":"not an array"}"#
    case 18:
      method = "noSuchMethod"
      params = "[]"
    default:
      return (Array(#"{"jsonrpc":"2.0","id":\#(index),"method":"#.utf8), .nullID)
    }
    return (Array(#"{"jsonrpc":"2.0","id":\#(index),"method":"\#(method)","params":\#(params)}"#.utf8), .id(index))
  }
}

struct SoakFailure: Error, CustomStringConvertible { var description: String }

/// What came back, tallied by the reader thread.
private final class Counts: Sendable {
  private struct Tally {
    var seen: [UInt8]
    var nullIDs = 0
    var unexpected = 0
    var total = 0
    var errorCodes: [Int: Int] = [:]
  }

  let done = DispatchSemaphore(value: 0)
  private let tally: Mutex<Tally>

  init(requests: Int) { tally = Mutex(Tally(seen: [UInt8](repeating: 0, count: requests))) }

  func record(_ line: [UInt8]) {
    let message = try? JSONParser.parse(line)
    tally.withLock { tally in
      tally.total += 1
      guard let message, case let .object(object) = message else {
        tally.unexpected += 1
        return
      }
      if case let .object(error)? = object["error"], let code = error["code"]?.numberValue?.intValue {
        tally.errorCodes[code, default: 0] += 1
      }
      switch object["id"] {
      case .null?: tally.nullIDs += 1
      case let .number(number)?:
        guard let id = number.intValue, tally.seen.indices.contains(id) else {
          tally.unexpected += 1
          return
        }
        tally.seen[id] = tally.seen[id] == 255 ? 255 : tally.seen[id] + 1
      default: tally.unexpected += 1
      }
    }
  }

  struct Report { var answered, nullIDs, lost, duplicated, unexpected: Int; var errorCodes: [Int: Int] }

  func report(expectedIDs: Int, expectedNullIDs: Int) -> Report {
    tally.withLock { tally in
      let answered = tally.seen.filter { $0 > 0 }.count
      let duplicated = tally.seen.reduce(0) { $0 + max(0, Int($1) - 1) } + max(0, tally.nullIDs - expectedNullIDs)
      let lost = (expectedIDs - answered) + max(0, expectedNullIDs - tally.nullIDs)
      return Report(
        answered: answered, nullIDs: tally.nullIDs, lost: lost, duplicated: duplicated, unexpected: tally.unexpected,
        errorCodes: tally.errorCodes)
    }
  }
}
