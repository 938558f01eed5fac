import Foundation
import JSONRPC
import Testing

@testable import Worker

/// At most `maxCallsInFlight` calls compute at once; the reader waits for a slot instead of queueing without
/// bound.
@Suite(.timeLimit(.minutes(5))) struct BackpressureTests {
  @Test func readerWaitsWhileTheLimitIsReached() async throws {
    var configuration = WorkerConfiguration()
    configuration.maxCallsInFlight = 2
    let connection = TestConnection(configuration: configuration)
    connection.model.close()
    let thirdRead = Locked(false)
    // The reader thread, as in the executable: receive blocks, so it runs off the test's task.
    Thread {
      for id in 1...3 { connection.sendRequest(JSONValue(id), "encodeText", ["texts": [.string("text \(id)")]]) }
      thirdRead.withLock { $0 = true }
    }.start()
    try await Task.sleep(nanoseconds: 300_000_000)
    #expect(thirdRead.withLock { $0 } == false, "the third request was taken while two were computing")
    connection.model.open()
    for id in 1...3 { #expect(try await connection.response(id: JSONValue(id)).result?["dim"] == 8) }
    #expect(thirdRead.withLock { $0 })
  }
}
