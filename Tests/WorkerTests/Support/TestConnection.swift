import Foundation
import JSONRPC

@testable import Worker

/// An in-process client: feeds lines to a `Server` as the reader thread would and collects what it writes.
final class TestConnection: Sendable {
  struct Timeout: Error, CustomStringConvertible {
    var waitingFor: String
    var description: String { "timed out waiting for \(waitingFor)" }
  }

  let server: Server
  let model: TestModel
  private let written = Locked<[JSONValue]>([])

  init(
    model: TestModel = TestModel(), configuration: WorkerConfiguration = WorkerConfiguration(),
    load: ModelLoading? = nil
  ) {
    self.model = model
    let written = self.written
    server = Server(
      configuration: configuration, source: .directory(URL(fileURLWithPath: "/models/test")),
      resolve: { reference, _ in URL(fileURLWithPath: reference.description) },
      load: load ?? { _ in model }, decode: decodePPM,
      output: { bytes in
        // Every message must be one line of valid JSON.
        precondition(!bytes.contains(0x0A), "a message contains a newline")
        let value = try! JSONParser.parse(bytes)
        written.withLock { $0.append(value) }
        return true
      },
      logger: .silent)
    server.start()
  }

  /// Sends one line.
  func send(_ line: String) { server.receive(.line(Array(line.utf8))) }

  /// Sends a request and waits for its response.
  func call(_ id: JSONValue, _ method: String, _ params: JSONValue? = nil) async throws -> JSONValue {
    sendRequest(id, method, params)
    return try await response(id: id)
  }

  func sendRequest(_ id: JSONValue, _ method: String, _ params: JSONValue? = nil) {
    var request: JSONObject = ["jsonrpc": "2.0", "id": id, "method": .string(method)]
    if let params { request["params"] = params }
    send(JSONValue.object(request).description)
  }

  func notify(_ method: String, _ params: JSONValue? = nil) {
    var notification: JSONObject = ["jsonrpc": "2.0", "method": .string(method)]
    if let params { notification["params"] = params }
    send(JSONValue.object(notification).description)
  }

  /// Everything written so far.
  var output: [JSONValue] { written.withLock { $0 } }

  /// The responses (not batches) with this id written so far.
  func responses(id: JSONValue) -> [JSONValue] { output.filter { $0["id"] == id } }

  /// Waits until a response with this id has been written.
  ///
  /// The limit only detects hangs. It is generous because `swift test` runs every suite in parallel and long
  /// synchronous tests elsewhere can hold the cooperative pool's threads (2 on a 2-core machine) for a minute.
  func response(id: JSONValue, seconds: Double = 180) async throws -> JSONValue {
    try await waitFor("response \(id)", seconds: seconds) { $0.first { $0["id"] == id } }
  }

  /// Waits until `find` finds something in the output.
  func waitFor<T>(_ what: String, seconds: Double = 180, _ find: ([JSONValue]) -> T?) async throws -> T {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if let found = find(output) { return found }
      try await Task.sleep(nanoseconds: 2_000_000)
    }
    throw Timeout(waitingFor: what)
  }

  /// Ends the input and returns the exit code once the server is done.
  func endInput() async -> Int32 {
    server.endOfInput()
    return await server.exitCode()
  }
}

extension JSONValue {
  /// The `error.code` of a response.
  var errorCode: Int? { self["error"]?["code"]?.numberValue?.intValue }
  /// The `result` of a response.
  var result: JSONValue? { self["result"] }
  /// A number as Float.
  var float: Float? { numberValue.map { Float($0.doubleValue) } }
}
