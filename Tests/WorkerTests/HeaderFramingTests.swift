import Foundation
import HubTestSupport
import JSONRPC
import Testing

@testable import Worker

/// Issue 20, editors: the real executable spoken to in LSP's `Content-Length` framing, as `vscode-jsonrpc`
/// does; every message it writes back must be in that framing, with the exact byte count of its body.
@Suite(.timeLimit(.minutes(5))) struct HeaderFramingTests {
  /// A client that writes `Content-Length: N\r\n\r\n<body>` and reads the same, strictly (its own parser, not
  /// the worker's framer): a header block other than exactly `Content-Length: N`, or a body that is not one
  /// JSON value, is recorded as a failure.
  final class HeaderClient: @unchecked Sendable {
    let process = Process()
    private let input = Pipe()
    private let received = Locked<(messages: [JSONValue], failures: [String], stderr: String)>(([], [], ""))
    private let readersDone = DispatchGroup()

    init(arguments: [String], environment: [String: String] = [:]) throws {
      process.executableURL = WorkerProcess.executable
      process.arguments = arguments
      var merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CLIP_WORKER_") }
      merged["CLIP_WORKER_STORE"] = "none"
      merged.merge(environment) { $1 }
      process.environment = merged
      let output = Pipe(), errors = Pipe()
      process.standardInput = input
      process.standardOutput = output
      process.standardError = errors
      try process.run()
      readersDone.enter()
      Thread {
        var buffer: [UInt8] = []
        while case let data = output.fileHandleForReading.availableData, !data.isEmpty {
          buffer += data
          self.parse(&buffer)
        }
        if !buffer.isEmpty { self.received.withLock { $0.failures.append("trailing bytes: \(buffer.count)") } }
        self.readersDone.leave()
      }.start()
      readersDone.enter()
      Thread {
        while case let data = errors.fileHandleForReading.availableData, !data.isEmpty {
          self.received.withLock { $0.stderr += String(decoding: data, as: UTF8.self) }
        }
        self.readersDone.leave()
      }.start()
    }

    /// Takes every complete message off the front of `buffer`.
    private func parse(_ buffer: inout [UInt8]) {
      let separator = Array("\r\n\r\n".utf8)
      while let end = buffer.indices.first(where: { buffer[$0...].starts(with: separator) }) {
        let header = String(decoding: buffer[..<end], as: UTF8.self)
        guard header.hasPrefix("Content-Length: "), let length = Int(header.dropFirst("Content-Length: ".count))
        else {
          received.withLock { $0.failures.append("bad header: \(header)") }
          buffer = []
          return
        }
        let start = end + separator.count
        guard buffer.count >= start + length else { return }
        let body = Array(buffer[start..<(start + length)])
        buffer.removeFirst(start + length)
        do {
          let message = try JSONParser.parse(body)
          received.withLock { $0.messages.append(message) }
        } catch {
          received.withLock { $0.failures.append("body is not JSON: \(String(decoding: body, as: UTF8.self))") }
        }
      }
    }

    func send(raw: String) { try? input.fileHandleForWriting.write(contentsOf: Data(raw.utf8)) }

    func send(_ message: JSONValue) {
      let body = message.description
      send(raw: "Content-Length: \(body.utf8.count)\r\n\r\n" + body)
    }

    func request(_ id: Int, _ method: String, _ params: JSONValue? = nil) {
      var request: JSONObject = ["jsonrpc": "2.0", "id": JSONValue(id), "method": .string(method)]
      if let params { request["params"] = params }
      send(.object(request))
    }

    func notify(_ method: String, _ params: JSONValue? = nil) {
      var notification: JSONObject = ["jsonrpc": "2.0", "method": .string(method)]
      if let params { notification["params"] = params }
      send(.object(notification))
    }

    var messages: [JSONValue] { received.withLock { $0.messages } }
    var failures: [String] { received.withLock { $0.failures } }
    var standardError: String { received.withLock { $0.stderr } }

    func response(where match: @escaping (JSONValue) -> Bool, seconds: Double = 60) async throws -> JSONValue {
      let deadline = Date().addingTimeInterval(seconds)
      while Date() < deadline {
        if let found = messages.first(where: match) { return found }
        try await Task.sleep(nanoseconds: 5_000_000)
      }
      throw WorkerProcess.Timeout(waitingFor: "a message; got \(messages); stderr: \(standardError)")
    }

    func response(id: Int) async throws -> JSONValue {
      try await response { $0["id"] == JSONValue(id) }
    }

    func closeInput() { try? input.fileHandleForWriting.close() }

    func exitCode(seconds: Double = 60) async throws -> Int32 {
      let deadline = Date().addingTimeInterval(seconds)
      while process.isRunning {
        guard Date() < deadline else {
          process.terminate()
          throw WorkerProcess.Timeout(waitingFor: "exit; stderr: \(standardError)")
        }
        try await Task.sleep(nanoseconds: 5_000_000)
      }
      readersDone.wait()
      return process.terminationStatus
    }
  }

  @Test func aSessionInHeaderFraming() async throws {
    let client = try HeaderClient(arguments: ["--model", WorkerProcess.tinyCLIP.path])
    // vscode-jsonrpc also sends Content-Type; header names in any case.
    let initialize = #"{"jsonrpc":"2.0","id":1,"method":"initialize"}"#
    client.send(raw: "content-length: \(initialize.utf8.count)\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n"
      + initialize)
    let initialized = try #require(try await client.response(id: 1)["result"])
    #expect(initialized["model"]?["scoring"]?["logitScale"]?.numberValue != nil)

    // Texts with multi-byte characters: the body's byte count, not its character count.
    client.request(2, "encodeText", ["texts": ["a café", "ein Hündchen €"]])
    let embeddings = try #require(try await client.response(id: 2)["result"]?["embeddings"]?.arrayValue)
    #expect(embeddings.count == 2)

    // A batch, answered as one array.
    let batch: JSONValue = [
      ["jsonrpc": "2.0", "id": 3, "method": "cacheStats"], ["jsonrpc": "2.0", "id": 4, "method": "nope"],
    ]
    client.send(batch)
    let answers = try #require(try await client.response { $0.arrayValue != nil }.arrayValue)
    #expect(Set(answers.compactMap { $0["id"]?.numberValue?.intValue }) == [3, 4])

    // A notification (cancelling nothing in flight) gets no answer; the next request is answered.
    client.notify("$/cancelRequest", ["id": 99])
    // A bad header block: one -32700, and the stream goes on.
    client.send(raw: "Content-Length: twelve\r\n\r\n{}")
    let parseError = try await client.response { $0["error"]?["code"] == -32700 }
    #expect(parseError["id"] == .null)
    #expect(parseError["error"]?["message"]?.stringValue?.contains("Content-Length") == true)
    client.request(5, "shutdown")
    #expect(try await client.response(id: 5)["result"] == .null)
    client.notify("exit")
    #expect(try await client.exitCode() == 0)
    #expect(client.failures.isEmpty, "\(client.failures)")
    // Exactly the answers: 1, 2, the batch, the parse error, 5 (no reply to either notification).
    #expect(client.messages.count == 5, "\(client.messages)")
  }

  @Test func aBodyOverTheLimitIsRefusedAtOnce() async throws {
    let client = try HeaderClient(arguments: ["--model", WorkerProcess.tinyCLIP.path, "--max-message-mb", "1"])
    // The header announces more than the limit; the answer comes before the body does.
    client.send(raw: "Content-Length: \(2 * 1024 * 1024)\r\n\r\n")
    let refused = try await client.response { $0["error"] != nil }
    #expect(refused["error"]?["code"] == -32004)
    client.send(raw: String(repeating: " ", count: 2 * 1024 * 1024))
    client.request(1, "cacheStats")
    #expect(try await client.response(id: 1)["result"] != nil)
    client.closeInput()
    #expect(try await client.exitCode() == 0)
    #expect(client.failures.isEmpty, "\(client.failures)")
  }

  @Test func aHeaderCutShortAtTheEndOfInputIsReportedAndTheWorkerExits() async throws {
    let client = try HeaderClient(arguments: ["--model", WorkerProcess.tinyCLIP.path])
    client.send(raw: "Content-Length: 50\r\n\r\n{\"jsonrpc\"")
    client.closeInput()
    #expect(try await client.exitCode() == 0)
    #expect(client.messages.map { $0["error"]?["code"] } == [-32700])
    #expect(client.failures.isEmpty, "\(client.failures)")
  }

  @Test func progressNotificationsComeInHeaderFraming() async throws {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("HeaderFraming-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let hub = try FakeHub(repo: "org/tiny")
    for name in try FileManager.default.contentsOfDirectory(atPath: WorkerProcess.tinyCLIP.path) {
      hub.add(name, [UInt8](try Data(contentsOf: WorkerProcess.tinyCLIP.appendingPathComponent(name))))
    }
    let client = try HeaderClient(
      arguments: ["--model", "org/tiny"],
      environment: [
        "HF_HOME": scratch.path, "HF_HUB_CACHE": scratch.appendingPathComponent("hub").path,
        "HF_ENDPOINT": hub.endpoint.absoluteString, "HF_TOKEN": "", "HF_HUB_OFFLINE": "0",
      ])
    client.request(1, "initialize", ["capabilities": ["progress": true]])
    _ = try await client.response(id: 1)
    let progress = client.messages.filter { $0["method"] == "$/progress" }
    #expect(!progress.isEmpty, "\(client.messages)")
    client.closeInput()
    #expect(try await client.exitCode() == 0)
    #expect(client.failures.isEmpty, "\(client.failures)")
  }
}
