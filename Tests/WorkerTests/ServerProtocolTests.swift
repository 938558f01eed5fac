import Foundation
import JSONRPC
import Testing

@testable import Worker

/// JSON-RPC behaviour of the server: error codes, batches, notifications, ordering, cancellation, and the
/// ways the process ends.
@Suite(.timeLimit(.minutes(5))) struct ServerProtocolTests {
  /// A connection whose model has loaded and whose forward passes are held, with request `id` (one text)
  /// in its first pass.
  private func connectionWithHeldRequest(_ id: JSONValue, text: String = "slow") async throws -> TestConnection {
    let connection = TestConnection()
    _ = try await connection.call(0, "initialize")
    connection.model.close()
    connection.sendRequest(id, "encodeText", ["texts": [.string(text)]])
    _ = try await connection.waitFor("the pass to start") { _ in connection.model.batchSizes(.text).isEmpty ? nil : true }
    return connection
  }

  @Test func parseErrorAndInvalidRequest() async throws {
    let connection = TestConnection()
    connection.send("{\"jsonrpc\":\"2.0\",")
    connection.send(#"{"jsonrpc":"2.0","id":5,"method":7}"#)
    connection.send("[]")
    let responses = try await connection.waitFor("three responses") { $0.count == 3 ? $0 : nil }
    #expect(responses[0]["id"] == nil as JSONValue && responses[0].errorCode == -32700)
    #expect(responses[1]["id"] == 5 && responses[1].errorCode == -32600)
    #expect(responses[2]["id"] == nil as JSONValue && responses[2].errorCode == -32600)
  }

  @Test func tooDeepIsAParseError() async throws {
    var configuration = WorkerConfiguration()
    configuration.maxNestingDepth = 4
    let connection = TestConnection(configuration: configuration)
    connection.send(#"{"jsonrpc":"2.0","id":1,"method":"encodeText","params":{"texts":[[[["x"]]]]}}"#)
    let response = try await connection.waitFor("a response") { $0.first }
    #expect(response.errorCode == -32700)
  }

  @Test func methodNotFound() async throws {
    let response = try await TestConnection().call("a", "encodeAudio")
    #expect(response.errorCode == -32601)
    #expect(response["error"]?["data"] == ["method": "encodeAudio"])
  }

  @Test func oversizedMessageIsAnswered() async throws {
    let connection = TestConnection()
    connection.server.receive(.oversized(byteCount: 200_000_000))
    let response = try await connection.waitFor("a response") { $0.first }
    #expect(response["id"] == nil as JSONValue && response.errorCode == -32004)
    #expect(
      response["error"]?["data"] == ["byteCount": 200_000_000, "limit": JSONValue(LineFramer.defaultMaxLineBytes)])
  }

  @Test func idsAreEchoedExactly() async throws {
    let connection = TestConnection()
    connection.send(#"{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"cacheStats"}"#)
    connection.send(#"{"jsonrpc":"2.0","id":"é\n","method":"cacheStats"}"#)
    connection.send(#"{"jsonrpc":"2.0","id":null,"method":"cacheStats"}"#)
    let responses = try await connection.waitFor("three responses") { $0.count == 3 ? $0 : nil }
    #expect(
      Set(responses.compactMap { $0["id"]?.description }) == ["123456789012345678901234567890", "\"é\\n\"", "null"])
    #expect(responses.allSatisfy { $0.result?["entries"] == 0 })
  }

  @Test func notificationsGetNoResponse() async throws {
    let connection = TestConnection()
    connection.notify("encodeText", ["texts": ["a"]])
    connection.notify("noSuchMethod")
    connection.notify("$/setTrace", ["value": "off"])
    connection.notify("encodeText", ["texts": 3])
    #expect(try await connection.call(1, "cacheStats").result?["text"]?["misses"] != nil)
    // The encodeText notification still ran (its embedding is cached); nothing but the one response was sent.
    #expect(try await connection.call(2, "encodeText", ["texts": ["a"]]).result?["cached"] == ["memory"])
    #expect(connection.output.count == 2)
  }

  @Test func batchGetsOneArrayWithoutNotifications() async throws {
    let connection = TestConnection()
    connection.send(
      """
      [{"jsonrpc":"2.0","id":1,"method":"encodeText","params":{"texts":["a"]}},
       {"jsonrpc":"2.0","method":"encodeText","params":{"texts":["b"]}},
       {"jsonrpc":"2.0","id":2,"method":"nope"}, 17,
       {"jsonrpc":"2.0","id":3,"method":"cacheStats"}]
      """.replacingOccurrences(of: "\n", with: ""))
    let batch = try await connection.waitFor("a batch") { $0.first?.arrayValue }
    #expect(batch.count == 4)
    #expect(batch.first { $0["id"] == 1 }?.result?["dim"] == 8)
    #expect(batch.first { $0["id"] == 2 }?.errorCode == -32601)
    #expect(batch.first { $0["id"] == nil as JSONValue }?.errorCode == -32600)
    #expect(batch.first { $0["id"] == 3 }?.result?["capacityBytes"] != nil)
    connection.send(#"[{"jsonrpc":"2.0","method":"cacheClear"},{"jsonrpc":"2.0","method":"cacheStats"}]"#)
    #expect(try await connection.call(4, "cacheStats").result != nil)
    #expect(connection.output.count == 2)
  }

  @Test func slowRequestDoesNotBlockOthersAndAnswersComeOutOfOrder() async throws {
    let connection = try await connectionWithHeldRequest(1)
    let stats = try await connection.call(2, "cacheStats")
    #expect(stats.result?["text"]?["misses"] == 1)
    #expect(connection.responses(id: 1).isEmpty)
    connection.model.open()
    _ = try await connection.response(id: 1)
    #expect(connection.output.compactMap { $0["id"] } == [0, 2, 1])
  }

  @Test func cancelAnswersTheRequestOnceWithRequestCancelled() async throws {
    let connection = try await connectionWithHeldRequest("slow")
    connection.notify("$/cancelRequest", ["id": "slow"])
    let cancelled = try await connection.response(id: "slow")
    #expect(cancelled.errorCode == -32800)
    connection.notify("$/cancelRequest", ["id": "unknown"])
    connection.model.open()
    // The computation finishes (and is cached) but no second answer is sent.
    _ = try await connection.call(1, "encodeText", ["texts": ["slow"]])
    #expect(connection.responses(id: "slow").count == 1)
  }

  @Test func cancelWhileWaitingForTheModel() async throws {
    let gate = DispatchSemaphore(value: 0)
    let model = TestModel()
    let connection = TestConnection(
      model: model,
      load: { _ in
        gate.wait()
        return model
      })
    connection.sendRequest(1, "encodeText", ["texts": ["a"]])
    connection.sendRequest(2, "encodeText", ["texts": ["b"]])
    connection.notify("$/cancelRequest", ["id": 1])
    #expect(try await connection.response(id: 1).errorCode == -32800)
    // A request that arrives while the model loads simply waits.
    #expect(connection.responses(id: 2).isEmpty)
    gate.signal()
    #expect(try await connection.response(id: 2).result?["cached"] == [false])
    #expect(model.batchSizes(.text) == [1])
  }

  @Test func concurrentRequestsAreCoalescedIntoBatches() async throws {
    let connection = try await connectionWithHeldRequest(1, text: "first")
    for id in 2...6 { connection.sendRequest(JSONValue(id), "encodeText", ["texts": [.string("text \(id)")]]) }
    // Two requests for one text, while it is being computed: computed once.
    connection.sendRequest(7, "encodeText", ["texts": ["text 6"]])
    let pending = try await connection.waitFor("requests to queue") { _ in
      connection.server.queuedInputs == 5 ? true : nil
    }
    #expect(pending)
    connection.model.open()
    for id in 1...7 { _ = try await connection.response(id: JSONValue(id)) }
    #expect(connection.model.batchSizes(.text) == [1, 5])
    #expect(connection.responses(id: 7).first?.result?["cached"] == ["memory"])
  }

  @Test func duplicateIDInFlightIsRefused() async throws {
    let connection = TestConnection()
    _ = try await connection.call(0, "initialize")
    connection.model.close()
    connection.sendRequest(1, "encodeText", ["texts": ["a"]])
    connection.sendRequest(1, "cacheStats")
    let refused = try await connection.response(id: 1)
    #expect(refused.errorCode == -32600)
    connection.model.open()
    _ = try await connection.waitFor("the first answer") { $0.filter { $0["id"] == 1 }.count == 2 ? true : nil }
  }

  @Test func shutdownThenExitEndsWithZero() async throws {
    let connection = TestConnection()
    _ = try await connection.call(0, "initialize")
    connection.model.close()
    connection.sendRequest(1, "encodeText", ["texts": ["a"]])
    connection.sendRequest(2, "shutdown")
    connection.sendRequest(3, "cacheStats")
    #expect(try await connection.response(id: 3).errorCode == -32003)
    // shutdown answers after the requests before it.
    #expect(connection.responses(id: 2).isEmpty)
    connection.model.open()
    #expect(try await connection.response(id: 2).result == nil as JSONValue)
    #expect(connection.output.compactMap { $0["id"] } == [0, 3, 1, 2])
    connection.notify("exit")
    #expect(await connection.server.exitCode() == 0)
  }

  @Test func exitWithoutShutdownEndsWithOneAndCancelsWhatIsInFlight() async throws {
    let connection = TestConnection()
    _ = try await connection.call(0, "initialize")
    connection.model.close()
    connection.sendRequest(1, "encodeText", ["texts": ["a"]])
    connection.notify("exit")
    #expect(await connection.server.exitCode() == 1)
    #expect(connection.responses(id: 1).first?.errorCode == -32800)
    #expect(connection.server.receive(.line(Array(#"{"jsonrpc":"2.0","id":9,"method":"cacheStats"}"#.utf8))) == false)
    connection.model.open()
  }

  @Test func endOfInputFinishesRequestsInFlight() async throws {
    let connection = TestConnection()
    _ = try await connection.call(0, "initialize")
    connection.model.close()
    for id in 1...3 { connection.sendRequest(JSONValue(id), "encodeText", ["texts": [.string("t\(id)")]]) }
    connection.server.endOfInput()
    try await Task.sleep(nanoseconds: 50_000_000)
    #expect(connection.output.count == 1)
    connection.model.open()
    #expect(await connection.server.exitCode() == 0)
    #expect(Set(connection.output.compactMap { $0["id"] }) == [0, 1, 2, 3])
    #expect(connection.output.allSatisfy { $0["error"] == nil })
  }

  @Test func failedLoadAnswersModelUnavailableAndEndsWithOne() async throws {
    struct Broken: Error, CustomStringConvertible { var description: String { "broken checkpoint" } }
    let connection = TestConnection(load: { _ in throw Broken() })
    let response = try await connection.call(1, "encodeText", ["texts": ["a"]])
    #expect(response.errorCode == -32002)
    #expect(response["error"]?["data"] == ["reason": "broken checkpoint"])
    // The end waits for the end of input (the executable's reader ends it at the first pause after the failure).
    connection.server.endOfInput()
    #expect(await connection.server.exitCode() == 1)
  }

  @Test func closedOutputEndsQuietly() async throws {
    let attempts = Locked(0)
    let server = Server(
      configuration: WorkerConfiguration(), source: .directory(URL(fileURLWithPath: "/models/test")),
      resolve: { reference, _ in URL(fileURLWithPath: reference.description) },
      load: { _ in TestModel() }, decode: decodePPM,
      output: { _ in
        attempts.withLock { $0 += 1 }
        return false
      }, logger: .silent)
    server.start()
    server.receive(.line(Array(#"{"jsonrpc":"2.0","id":1,"method":"cacheStats"}"#.utf8)))
    #expect(await server.exitCode() == 0)
    #expect(server.receive(.line(Array(#"{"jsonrpc":"2.0","id":2,"method":"cacheStats"}"#.utf8))) == false)
    #expect(attempts.withLock { $0 } == 1)
  }
}
