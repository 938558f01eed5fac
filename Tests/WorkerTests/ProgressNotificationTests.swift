import Dispatch
import Foundation
import Hub
import JSONRPC
import Testing

@testable import Worker

/// `$/progress` in-process, with a resolver stand-in that reports progress and waits where the test says:
/// notifications go only to a client that asked in `initialize`, start with what happened before it asked,
/// and all precede `initialize`'s result.
@Suite(.timeLimit(.minutes(5))) struct ProgressNotificationTests {
  /// A server whose resolver reports `config.json` complete and 100 of 1000 bytes of the weights, sets
  /// `reported`, then waits for `release` (on its own thread) before reporting the weights complete.
  private func connection(release: DispatchSemaphore, reported: Locked<Bool>) -> (Server, Locked<[JSONValue]>) {
    let written = Locked<[JSONValue]>([])
    let model = TestModel()
    let server = Server(
      configuration: WorkerConfiguration(), source: .hub(repo: "org/tiny", revision: "main"),
      resolve: { _, progress in
        progress(DownloadProgress(file: "config.json", bytesDone: 10, bytesTotal: 10))
        progress(DownloadProgress(file: "model.safetensors", bytesDone: 100, bytesTotal: 1000))
        reported.withLock { $0 = true }
        release.wait()
        progress(DownloadProgress(file: "model.safetensors", bytesDone: 1000, bytesTotal: 1000))
        return URL(fileURLWithPath: "/cache/snapshots/abc")
      },
      load: { _ in model }, decode: decodePPM,
      output: { bytes in
        written.withLock { $0.append(try! JSONParser.parse(bytes)) }
        return true
      },
      logger: .silent)
    return (server, written)
  }

  /// Waits without blocking a thread of Swift concurrency's pool (other tests need them).
  private func waitUntil(_ condition: () -> Bool) async throws {
    let deadline = Date().addingTimeInterval(60)
    while !condition() {
      guard Date() < deadline else { throw TestConnection.Timeout(waitingFor: "the resolver stand-in") }
      try await Task.sleep(nanoseconds: 2_000_000)
    }
  }

  private func send(_ server: Server, _ message: JSONValue) { server.receive(.line(Array(message.description.utf8))) }

  private func wait(for written: Locked<[JSONValue]>, id: JSONValue) async throws -> [JSONValue] {
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline {
      let messages = written.withLock { $0 }
      if messages.contains(where: { $0["id"] == id }) { return messages }
      try await Task.sleep(nanoseconds: 2_000_000)
    }
    throw TestConnection.Timeout(waitingFor: "response \(id)")
  }

  private func progress(_ file: String, _ done: Int, _ total: Int) -> JSONValue {
    [
      "jsonrpc": "2.0", "method": "$/progress",
      "params": [
        "token": "download", "file": .string(file), "bytesDone": JSONValue(done), "bytesTotal": JSONValue(total),
      ],
    ]
  }

  @Test func aClientThatAskedGetsTheProgressSoFarThenTheRestBeforeTheResult() async throws {
    let release = DispatchSemaphore(value: 0), reported = Locked(false)
    let (server, written) = connection(release: release, reported: reported)
    server.start()
    try await waitUntil { reported.withLock { $0 } }
    #expect(written.withLock { $0 }.isEmpty, "nothing is sent before a client asks")
    send(server, ["jsonrpc": "2.0", "id": 1, "method": "initialize", "params": ["capabilities": ["progress": true]]])
    // The initialize task subscribes (and catches up) before the download goes on.
    try await waitUntil { written.withLock { $0.count } >= 2 }
    release.signal()
    let messages = try await wait(for: written, id: 1)
    #expect(Array(messages.prefix(3)) == [
      progress("config.json", 10, 10), progress("model.safetensors", 100, 1000),
      progress("model.safetensors", 1000, 1000),
    ])
    #expect(messages.count == 4)
    #expect(messages[3]["result"]?["model"]?["id"] == "org/tiny")
    #expect(messages[3]["result"]?["model"]?["path"] == "/cache/snapshots/abc")
  }

  @Test func aClientThatDidNotAskGetsNoNotifications() async throws {
    let release = DispatchSemaphore(value: 0), reported = Locked(false)
    let (server, written) = connection(release: release, reported: reported)
    server.start()
    try await waitUntil { reported.withLock { $0 } }
    send(server, ["jsonrpc": "2.0", "id": 1, "method": "initialize", "params": ["capabilities": ["progress": false]]])
    release.signal()
    let messages = try await wait(for: written, id: 1)
    #expect(messages.count == 1)
    #expect(messages[0]["result"] != nil)
  }

  @Test func capabilitiesMustBeWellFormed() async throws {
    let connection = TestConnection()
    let response = try await connection.call(1, "initialize", ["capabilities": ["progress": "yes"]])
    #expect(response.errorCode == RPCError.Code.invalidParams)
    #expect(response["error"]?["message"] == "Invalid params: capabilities.progress must be a boolean, found string")
  }
}
