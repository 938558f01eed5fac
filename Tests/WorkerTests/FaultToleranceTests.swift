import Foundation
import JSONRPC
import Testing

/// Issue 7, faults: the client or the system ending things at awkward moments.
@Suite(.timeLimit(.minutes(5))) struct FaultToleranceTests {
  private func start(_ extra: [String] = []) throws -> WorkerProcess {
    try WorkerProcess(arguments: ["--model", WorkerProcess.tinyCLIP.path, "--log-level", "error"] + extra)
  }

  /// Texts distinct enough that none is cached: each needs its own forward pass.
  private func texts(_ count: Int, tag: String) -> JSONValue {
    .array((0..<count).map { .string("\(tag) text number \($0) with some words") })
  }

  /// Every response id exactly once, each a result or the given error.
  private func expectEachAnsweredOnce(
    _ worker: WorkerProcess, ids: [JSONValue], allowing errorCode: Int,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let answersByID = Dictionary(grouping: worker.messages) { $0["id"]?.description ?? "" }
    for id in ids {
      let answers = answersByID[id.description] ?? []
      #expect(answers.count == 1, "id \(id): \(answers.count) answers", sourceLocation: sourceLocation)
      if let answer = answers.first {
        #expect(answer["result"] != nil || answer.errorCode == errorCode, "\(answer)", sourceLocation: sourceLocation)
      }
    }
  }

  @Test func stdinClosedMidLine() async throws {
    let worker = try start()
    #expect(try await worker.call(1, "cacheStats").result != nil)
    worker.send(bytes: Array(#"{"jsonrpc":"2.0","id":2,"method":"cacheSt"#.utf8))
    worker.closeInput()
    #expect(try await worker.exitCode(seconds: 10) == 0)
    // The unfinished line is read as the last line: not JSON.
    #expect(worker.messages.last?.errorCode == -32700)
  }

  /// SIGTERM while requests are computing: input stops, each request is answered (result or cancelled),
  /// and the process exits 0 within a couple of seconds.
  @Test(arguments: [SIGTERM, SIGINT])
  func terminationSignalAnswersInFlightAndExits(signalNumber: Int32) async throws {
    let worker = try start(["--threads", "1"])
    #expect(try await worker.call("warm", "cacheStats").result != nil)
    let ids: [JSONValue] = (0..<40).map { JSONValue($0) }
    for id in ids { worker.sendRequest(id, "encodeText", ["texts": texts(8, tag: "\(id)")]) }
    try await Task.sleep(nanoseconds: 50_000_000)
    let sent = Date()
    kill(worker.process.processIdentifier, signalNumber)
    #expect(try await worker.exitCode(seconds: 10) == 0)
    #expect(Date().timeIntervalSince(sent) < 6)  // 1 s of grace; the bound catches a hang, not a slow host
    expectEachAnsweredOnce(worker, ids: ids, allowing: -32800)
  }

  /// The reader of stdout goes away: the worker's next write fails, and it exits quietly instead of
  /// spinning or dying of SIGPIPE.
  @Test func stdoutClosedByReader() async throws {
    let process = Process()
    process.executableURL = WorkerProcess.executable
    process.arguments = ["--model", WorkerProcess.tinyCLIP.path, "--log-level", "error"]
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    try output.fileHandleForReading.close()
    for index in 0..<20 {
      try? input.fileHandleForWriting.write(
        contentsOf: Data(#"{"jsonrpc":"2.0","id":\#(index),"method":"cacheStats"}"#.utf8 + [0x0A]))
    }
    let deadline = Date().addingTimeInterval(5)
    while process.isRunning && Date() < deadline { try await Task.sleep(nanoseconds: 10_000_000) }
    let exited = !process.isRunning
    if !exited { process.terminate() }
    #expect(exited, "still running 5 s after stdout was closed")
    if exited {
      #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }
    try? input.fileHandleForWriting.close()
  }

  /// Cancelling a request whose batch is computing: exactly one answer (its result or requestCancelled),
  /// and the worker keeps serving.
  @Test func cancelWhileBatchComputes() async throws {
    let worker = try start(["--threads", "1"])
    for round in 0..<5 {
      let id = JSONValue.string("c\(round)")
      worker.sendRequest(id, "encodeText", ["texts": texts(32, tag: "round \(round)")])
      worker.notify("$/cancelRequest", ["id": id])
      _ = try await worker.response(id: id)
    }
    #expect(try await worker.call("after", "encodeText", ["texts": ["fine"]])["result"]?["dim"] == 24)
    expectEachAnsweredOnce(worker, ids: (0..<5).map { .string("c\($0)") }, allowing: -32800)
    worker.closeInput()
    #expect(try await worker.exitCode() == 0)
  }

  /// Many pipelined requests of mixed kinds, written without waiting: every one answered exactly once.
  /// (`clip-bench soak` runs the same at 100,000 requests and watches memory.)
  @Test func pipelinedMixedRequests() async throws {
    let worker = try start(["--cache-mb", "1"])
    let image = WorkerProcess.fixtures.appendingPathComponent("images/noise-23x51.png").path
    var ids: [JSONValue] = []
    for index in 0..<3000 {
      let id = JSONValue(index)
      ids.append(id)
      switch index % 5 {
      case 0: worker.sendRequest(id, "encodeText", ["texts": [.string("text \(index % 300)")]])
      case 1: worker.sendRequest(id, "encodeImage", ["images": [["path": .string(image)]]])
      case 2: worker.sendRequest(id, "cacheStats")
      case 3: worker.sendRequest(id, "encodeText", ["texts": 5])
      default: worker.sendRequest(id, "classify", ["image": ["path": .string(image)], "labels": ["a", "b"]])
      }
    }
    worker.closeInput()
    #expect(try await worker.exitCode(seconds: 300) == 0)
    expectEachAnsweredOnce(worker, ids: ids, allowing: -32602)
    #expect(worker.messages.count == ids.count)
  }
}
