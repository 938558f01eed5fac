import Foundation

/// A Python reference script (or another child, such as `clip-worker`) kept running and spoken to one line at a
/// time, so that its measurements can alternate with ours under the same machine load.
final class PythonReference {
  private let process = Process()
  private let input = Pipe()
  private let output = Pipe()
  private var buffered = Data()
  let script: String
  /// The child's process id (for reading its CPU time).
  var processIdentifier: Int32 { process.processIdentifier }

  /// Starts `python3 <script> <arguments>` from `Sources/clip-bench/reference`, with `environment` changes
  /// applied (a nil value removes the variable) to this child only.
  convenience init(script: String, arguments: [String] = [], environment changes: [String: String?]) throws {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("reference")
    try self.init(executable: URL(fileURLWithPath: "/usr/bin/env"),
                  arguments: ["python3", directory.appendingPathComponent(script).path] + arguments,
                  name: script, environment: changes)
  }

  /// Starts `executable` with `arguments`; `name` stands for it in errors. The child's stderr is ours.
  init(executable: URL, arguments: [String], name: String, environment changes: [String: String?] = [:]) throws {
    script = name
    var environment = ProcessInfo.processInfo.environment
    for (key, value) in changes { environment[key] = value }
    process.executableURL = executable
    process.arguments = arguments
    process.environment = environment
    process.standardInput = input
    process.standardOutput = output
    do { try process.run() } catch {
      throw BenchError.referenceFailed(script: script, reason: "\(error)")
    }
  }

  /// Sends one line without waiting for a reply (for pipelined requests; read the replies with `readLine`).
  func send(_ line: String) {
    input.fileHandleForWriting.write(Data((line + "\n").utf8))
  }

  /// Sends one request line and returns the reply line.
  func ask(_ request: String) throws -> String {
    input.fileHandleForWriting.write(Data((request + "\n").utf8))
    return try readLine(after: request)
  }

  /// The next line the child writes, without sending anything; `request` names what it answers in errors.
  func readLine(after request: String = "start") throws -> String {
    while true {
      if let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
        let line = String(decoding: buffered[buffered.startIndex ..< newline], as: UTF8.self)
        buffered.removeSubrange(buffered.startIndex ... newline)
        return line
      }
      let chunk = output.fileHandleForReading.availableData
      if chunk.isEmpty {
        throw BenchError.referenceFailed(script: script, reason: "exited before answering \(request)")
      }
      buffered.append(chunk)
    }
  }

  deinit {
    try? input.fileHandleForWriting.close()
    process.waitUntilExit()
  }
}
