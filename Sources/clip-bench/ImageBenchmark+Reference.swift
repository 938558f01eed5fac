import Foundation

extension ImageBenchmark {
  /// The Python side (`reference/images.py`) as a child process that stays up for the whole benchmark, so
  /// that importing transformers is paid once and every timed call runs in a warm interpreter. The child
  /// times each call itself; the pipe round trip is not in its figures.
  final class Reference {
    /// What the child prints once it has written the inputs.
    struct Hello: Decodable {
      var files: [String]
      var versions: [String: String]
    }

    private struct Acknowledgement: Decodable {
      var ok: Bool?
      var error: String?
    }

    private let process = Process()
    private let input: FileHandle
    private let output: FileHandle
    /// Bytes read from the child but not yet returned as a line.
    private var pending: [UInt8] = []
    /// The child's greeting: the input files, in the order it wrote them, and its library versions.
    private(set) var hello = Hello(files: [], versions: [:])

    /// Starts `python script directory` and waits until it has written the inputs into `directory`.
    init(python: String, script: URL, directory: URL) throws {
      let stdin = Pipe(), stdout = Pipe()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = [python, script.path, directory.path]
      process.standardInput = stdin
      process.standardOutput = stdout
      // The child's stderr (warnings, a traceback) goes straight to ours.
      var environment = ProcessInfo.processInfo.environment
      environment["OMP_NUM_THREADS"] = "1"
      process.environment = environment
      input = stdin.fileHandleForWriting
      output = stdout.fileHandleForReading
      // A child that died would otherwise kill us with SIGPIPE on the next command instead of an error.
      signal(SIGPIPE, SIG_IGN)
      try process.run()
      hello = try reply(Hello.self, to: nil)
    }

    deinit {
      if process.isRunning {
        try? input.write(contentsOf: Data("quit\n".utf8))
        process.waitUntilExit()
      }
    }

    /// Times one `load_image` + `CLIPImageProcessor` call on `file` (`decodeCPU`: the `load_image` part).
    func time(_ file: String) throws -> Timing {
      try reply(Timing.self, to: "time \(file)")
    }

    /// The reference tensor of `file`: `pixel_values[0]`, channel-first float32.
    func tensor(_ file: String, scratch: URL) throws -> [Float] {
      let acknowledgement = try reply(Acknowledgement.self, to: "tensor \(file) \(scratch.path)")
      guard acknowledgement.ok == true else {
        throw Failure.referenceRefused(command: "tensor \(file)", reason: acknowledgement.error ?? "no reason given")
      }
      let bytes = try Data(contentsOf: scratch)
      // images.py writes little-endian float32, which is what Float's bit pattern is read from here.
      return stride(from: 0, to: bytes.count - 3, by: 4).map { offset in
        let b = bytes.startIndex + offset
        let bits = UInt32(bytes[b]) | UInt32(bytes[b + 1]) << 8 | UInt32(bytes[b + 2]) << 16
          | UInt32(bytes[b + 3]) << 24
        return Float(bitPattern: bits)
      }
    }

    /// Sends `command` (when not nil) and decodes the one JSON line the child answers with.
    private func reply<Value: Decodable>(_ type: Value.Type, to command: String?) throws -> Value {
      if let command {
        do {
          try input.write(contentsOf: Data((command + "\n").utf8))
        } catch {
          throw Failure.referenceExited(status: exitStatus())
        }
      }
      guard let line = try readLine() else { throw Failure.referenceExited(status: exitStatus()) }
      do {
        return try JSONDecoder().decode(Value.self, from: Data(line))
      } catch {
        throw Failure.referenceProtocol(line: String(decoding: line, as: UTF8.self))
      }
    }

    private func readLine() throws -> [UInt8]? {
      while true {
        if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
          let line = Array(pending[..<newline])
          pending.removeSubrange(...newline)
          return line
        }
        let chunk = output.availableData
        if chunk.isEmpty { return nil }
        pending += chunk
      }
    }

    private func exitStatus() -> Int32? {
      process.waitUntilExit()
      return process.terminationStatus
    }
  }
}
