import Foundation
import JSONRPC

@testable import Worker

/// The real `clip-worker` executable, driven over pipes as a client would.
final class WorkerProcess: @unchecked Sendable {
  struct Timeout: Error, CustomStringConvertible {
    var waitingFor: String
    var description: String { "timed out waiting for \(waitingFor)" }
  }

  /// The executable built beside the test bundle (`swift test` builds it: WorkerTests depends on it).
  static let executable: URL = {
    #if os(macOS)
      let products = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }?.bundleURL
        .deletingLastPathComponent()
    #else
      let products: URL? = Bundle.main.executableURL?.deletingLastPathComponent()
    #endif
    let candidates = [
      products?.appendingPathComponent("clip-worker"),
      URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".build/debug/clip-worker"),
    ].compactMap { $0 }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
  }()

  static let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// The engine's tiny random-weight checkpoint.
  static let tinyCLIP = packageRoot.appendingPathComponent("Tests/CLIPTests/Fixtures/tiny-clip")
  /// The SigLIP family's tiny random-weight checkpoint.
  static let tinySigLIP = packageRoot.appendingPathComponent("Tests/SigLIPTests/Fixtures/tiny-siglip")
  /// SigLIP 2's fixed-resolution layout (Gemma tokenizer), tiny.
  static let tinySigLIP2 = packageRoot.appendingPathComponent("Tests/SigLIPTests/Fixtures/tiny-siglip2")
  /// SigLIP 2 NaFlex (`model_type` siglip2: aspect ratio kept, patches), tiny.
  static let tinySigLIP2NaFlex = packageRoot.appendingPathComponent("Tests/SigLIPTests/Fixtures/tiny-siglip2-naflex")

  static let fixtures = packageRoot.appendingPathComponent("Tests/WorkerTests/Fixtures")

  let process = Process()
  private let input = Pipe()
  private let stdoutLines = Locked<[String]>([])
  /// stdout parsed once, as each line arrives: tests poll `messages` every few milliseconds, and parsing the
  /// whole output on every poll (megabytes in the load tests) starved the other tests' tasks of threads.
  private let stdoutMessages = Locked<[JSONValue]>([])
  private let stderrText = Locked<String>("")
  private let readersDone = DispatchGroup()

  /// - Parameters:
  ///   - executable, prefix: another program to run, with arguments before `arguments` (a wrapper such as
  ///     `script`, which gives the worker a terminal).
  init(
    arguments: [String], environment: [String: String] = [:], executable: URL = WorkerProcess.executable,
    prefix: [String] = []
  ) throws {
    process.executableURL = executable
    process.arguments = prefix + arguments
    var merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CLIP_WORKER_") }
    // Never the user's real store (~/.cache/clip-worker): off unless a test names a directory.
    merged["CLIP_WORKER_STORE"] = "none"
    merged.merge(environment) { $1 }
    process.environment = merged
    let output = Pipe(), errors = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    read(output.fileHandleForReading) { bytes in
      let text = String(decoding: bytes, as: UTF8.self)
      let message = (try? JSONParser.parse(bytes)) ?? .string(text)
      self.stdoutLines.withLock { $0.append(text) }
      self.stdoutMessages.withLock { $0.append(message) }
    }
    read(errors.fileHandleForReading) { bytes in
      self.stderrText.withLock { $0 += String(decoding: bytes, as: UTF8.self) + "\n" }
    }
  }

  /// Reads `handle` to its end on a thread of its own, line by line.
  private func read(_ handle: FileHandle, line: @escaping @Sendable ([UInt8]) -> Void) {
    readersDone.enter()
    let thread = Thread {
      var framer = LineFramer()
      while case let data = handle.availableData, !data.isEmpty {
        for case let .line(bytes) in framer.push(data) { line(bytes) }
      }
      if case let .line(bytes)? = framer.finish() { line(bytes) }
      self.readersDone.leave()
    }
    thread.start()
  }

  func send(_ line: String) {
    try? input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
  }

  /// Writes raw bytes (not necessarily UTF-8, not necessarily a whole line).
  func send(bytes: [UInt8]) {
    try? input.fileHandleForWriting.write(contentsOf: Data(bytes))
  }

  func sendRequest(_ id: JSONValue, _ method: String, _ params: JSONValue? = nil) {
    var request: JSONObject = ["jsonrpc": "2.0", "id": id, "method": .string(method)]
    if let params { request["params"] = params }
    send(JSONValue.object(request).description)
  }

  func call(_ id: JSONValue, _ method: String, _ params: JSONValue? = nil) async throws -> JSONValue {
    sendRequest(id, method, params)
    return try await response(id: id)
  }

  func notify(_ method: String, _ params: JSONValue? = nil) {
    var notification: JSONObject = ["jsonrpc": "2.0", "method": .string(method)]
    if let params { notification["params"] = params }
    send(JSONValue.object(notification).description)
  }

  func closeInput() { try? input.fileHandleForWriting.close() }

  /// Every line written to stdout so far.
  var lines: [String] { stdoutLines.withLock { $0 } }

  /// stdout parsed (a line that is not JSON fails the caller's expectations as a string value).
  var messages: [JSONValue] { stdoutMessages.withLock { $0 } }

  var standardError: String { stderrText.withLock { $0 } }

  func response(id: JSONValue, seconds: Double = 60) async throws -> JSONValue {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if let found = messages.first(where: { $0["id"] == id }) { return found }
      try await Task.sleep(nanoseconds: 5_000_000)
    }
    throw Timeout(waitingFor: "response \(id); stderr: \(standardError)")
  }

  /// Waits for the process to end (and its output to be read); returns its exit code.
  func exitCode(seconds: Double = 60) async throws -> Int32 {
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning {
      guard Date() < deadline else {
        process.terminate()
        throw Timeout(waitingFor: "exit; stderr: \(standardError)")
      }
      try await Task.sleep(nanoseconds: 5_000_000)
    }
    readersDone.wait()
    return process.terminationStatus
  }

  /// Runs the executable with `arguments` and no input; returns its exit code, stdout and stderr.
  static func run(
    _ arguments: [String], environment: [String: String] = [:], executable: URL = WorkerProcess.executable
  ) async throws -> (Int32, String, String) {
    let worker = try WorkerProcess(arguments: arguments, environment: environment, executable: executable)
    worker.closeInput()
    let code = try await worker.exitCode()
    return (code, worker.lines.joined(separator: "\n"), worker.standardError)
  }
}
