import Foundation
import JSONRPC
import Testing

/// The real executable with the real tiny checkpoint, over pipes.
@Suite(.timeLimit(.minutes(5))) struct EndToEndTests {
  private func image(_ name: String) -> String {
    WorkerProcess.fixtures.appendingPathComponent("images/\(name)").path
  }

  private func start(_ extra: [String] = []) throws -> WorkerProcess {
    try WorkerProcess(arguments: ["--model", WorkerProcess.tinyCLIP.path] + extra)
  }

  /// stdout carries nothing but JSON-RPC responses (or batches of them).
  private func expectOnlyResponses(_ worker: WorkerProcess) {
    for message in worker.messages {
      let responses = message.arrayValue ?? [message]
      for response in responses {
        #expect(response["jsonrpc"] == "2.0" && response["id"] != nil, "not a response: \(message)")
        #expect((response["result"] == nil) != (response["error"] == nil), "not a response: \(message)")
      }
    }
  }

  /// Each family's scores (CLIP's softmax, SigLIP's sigmoid) equal the pipeline's on its tiny checkpoint.
  @Test(arguments: [
    ("classify_reference.json", WorkerProcess.tinyCLIP), ("classify_reference_siglip.json", WorkerProcess.tinySigLIP),
    ("classify_reference_siglip2.json", WorkerProcess.tinySigLIP2),
    ("classify_reference_siglip2_naflex.json", WorkerProcess.tinySigLIP2NaFlex),
  ])
  func classifyScoresEqualThePipelines(referenceFile: String, model: URL) async throws {
    let reference = try JSONParser.parse(
      [UInt8](try Data(contentsOf: WorkerProcess.fixtures.appendingPathComponent(referenceFile))))
    let cases = try #require(reference["cases"]?.arrayValue)
    try #require(cases.count >= 5)
    let worker = try WorkerProcess(arguments: ["--model", model.path])
    for (index, testCase) in cases.enumerated() {
      let params: JSONValue = [
        "image": ["path": .string(image(try #require(testCase["image"]?.stringValue)))],
        "candidate_labels": try #require(testCase["candidate_labels"]),
        "hypothesis_template": try #require(testCase["hypothesis_template"]),
      ]
      let result = try #require(try await worker.call(JSONValue(index), "classify", params).result?.arrayValue)
      let expected = try #require(testCase["result"]?.arrayValue)
      #expect(result.map { $0["label"] } == expected.map { $0["label"] }, "case \(index)")
      for (got, want) in zip(result, expected) {
        let difference = abs(
          (got["score"]?.numberValue?.doubleValue ?? .nan) - (want["score"]?.numberValue?.doubleValue ?? 0))
        #expect(difference <= 1e-5, "case \(index) \(want): got \(got)")
      }
    }
    worker.sendRequest("s", "shutdown")
    _ = try await worker.response(id: "s")
    worker.notify("exit")
    #expect(try await worker.exitCode() == 0)
    expectOnlyResponses(worker)
  }

  @Test func sessionOverEveryMethod() async throws {
    let worker = try start()
    let initialize = try #require(try await worker.call(1, "initialize").result)
    #expect(initialize["model"]?["embeddingDim"] == 24)
    #expect(initialize["model"]?["imageSize"] == 32)
    #expect(initialize["model"]?["contextLength"] == 77)
    #expect(initialize["model"]?["dtype"] == "float32")
    #expect(initialize["serverInfo"]?["name"] == "clip-worker")

    let texts = try #require(try await worker.call(2, "encodeText", ["texts": ["a cat", "a dog"]]).result)
    #expect(texts["dim"] == 24 && texts["cached"] == [false, false])
    let first = try #require(texts["embeddings"]?[0]?.arrayValue?.compactMap { $0.numberValue?.doubleValue })
    #expect(first.count == 24)
    #expect(abs(first.map { $0 * $0 }.reduce(0, +) - 1) < 1e-5)

    // The same image by path and by bytes is one cache entry.
    let path = image("noise-40x30.png")
    let byPath = try #require(try await worker.call(3, "encodeImage", ["images": [["path": .string(path)]]]).result)
    let data = try Data(contentsOf: URL(fileURLWithPath: path)).base64EncodedString()
    let byData = try #require(try await worker.call(4, "encodeImage", ["images": [["data": .string(data)]]]).result)
    #expect(byPath["cached"] == [false] && byData["cached"] == ["memory"])
    #expect(byPath["embeddings"] == byData["embeddings"])
    let base64 = try #require(
      try await worker.call(
        5, "encodeImage", ["images": [["path": .string(path)]], "encoding": "base64", "normalize": false]
      ).result)
    #expect(Data(base64Encoded: base64["embeddings"]?[0]?.stringValue ?? "")?.count == 24 * 4)

    let classify = try #require(
      try await worker.call(
        6, "classify",
        ["images": [["path": .string(path)], ["data": .string(data)]], "labels": ["cat", "dog"], "topK": 1]
      ).result)
    #expect(classify.arrayValue?.count == 2 && classify[0]?.arrayValue?.count == 1 && classify[0] == classify[1])

    let statistics = try #require(try await worker.call(7, "cacheStats").result)
    #expect(statistics["image"]?["entries"] == 1)
    #expect(statistics["image"]?["misses"] == 1)
    #expect(statistics["text"]?["entries"] == 4)
    #expect(statistics["capacityBytes"] == JSONValue(256 * 1024 * 1024))
    #expect(try await worker.call(8, "cacheClear").result == nil as JSONValue)
    #expect(try await worker.call(9, "cacheStats").result?["entries"] == 0)
    #expect(try await worker.call(10, "rpc.discover").result?["openrpc"] == "1.2.6")

    #expect(try await worker.call(11, "shutdown").result == nil as JSONValue)
    #expect(try await worker.call(12, "cacheStats").errorCode == -32003)
    worker.notify("exit")
    #expect(try await worker.exitCode() == 0)
    expectOnlyResponses(worker)
  }

  @Test func errorCodesOverThePipe() async throws {
    let worker = try start()
    worker.send("{\"jsonrpc\":\"2.0\",\"id\":1,")
    worker.send(#"{"jsonrpc":"2.0","id":2}"#)
    worker.send(#"{"jsonrpc":"2.0","id":3,"method":"encodeAudio"}"#)
    worker.send(#"{"jsonrpc":"2.0","id":4,"method":"encodeText","params":{"texts":"a"}}"# + "\r")
    worker.sendRequest(
      5, "encodeImage", ["images": [["path": .string(image("noise-40x30.png"))], ["path": "/no/such.png"]]])
    worker.sendRequest(
      6, "encodeImage", ["images": [["data": .string(Data("not an image".utf8).base64EncodedString())]]])
    worker.send(#"[{"jsonrpc":"2.0","id":7,"method":"cacheStats"},{"jsonrpc":"2.0","method":"cacheStats"},1]"#)
    worker.closeInput()
    #expect(try await worker.exitCode() == 0)
    let messages = worker.messages
    #expect(messages.count == 7)
    #expect(messages.first { $0["id"] == nil as JSONValue }?.errorCode == -32700)
    #expect(messages.first { $0["id"] == 2 }?.errorCode == -32600)
    #expect(messages.first { $0["id"] == 3 }?.errorCode == -32601)
    #expect(messages.first { $0["id"] == 4 }?.errorCode == -32602)
    let missing = messages.first { $0["id"] == 5 }
    #expect(missing?.errorCode == -32001)
    #expect(missing?["error"]?["data"]?["index"] == 1)
    #expect(missing?["error"]?["data"]?["reason"] == "no such file: /no/such.png")
    #expect(messages.first { $0["id"] == 6 }?.errorCode == -32001)
    let batch = try #require(messages.first { $0.arrayValue != nil }?.arrayValue)
    #expect(batch.count == 2)
    #expect(batch.contains { $0["id"] == 7 && $0["result"] != nil })
    #expect(batch.contains { $0["id"] == nil as JSONValue && $0.errorCode == -32600 })
    expectOnlyResponses(worker)
  }

  @Test func endOfInputAnswersEverythingInFlight() async throws {
    let worker = try start()
    let paths = ["noise-40x30.png", "noise-23x51.png", "gradient-64x64.png"].map { image($0) }
    for id in 0..<12 {
      worker.sendRequest(
        JSONValue(id), id % 2 == 0 ? "encodeText" : "encodeImage",
        id % 2 == 0 ? ["texts": [.string("text number \(id)")]] : ["images": [["path": .string(paths[id % 3])]]])
    }
    worker.closeInput()
    #expect(try await worker.exitCode() == 0)
    #expect(Set(worker.messages.compactMap { $0["id"] }) == Set((0..<12).map { JSONValue($0) }))
    #expect(worker.messages.allSatisfy { $0["result"] != nil })
  }

  @Test func exitWithoutShutdownIsOne() async throws {
    let worker = try start()
    _ = try await worker.call(1, "initialize")
    worker.notify("exit")
    #expect(try await worker.exitCode() == 1)
  }

  @Test func cancelledRequestIsAnsweredOnce() async throws {
    let worker = try start()
    _ = try await worker.call(0, "initialize")
    let labels: JSONValue = .array((0..<200).map { .string("label \($0)") })
    worker.sendRequest("big", "classify", ["image": ["path": .string(image("gradient-64x64.png"))], "labels": labels])
    worker.notify("$/cancelRequest", ["id": "big"])
    let answer = try await worker.response(id: "big")
    #expect(answer.errorCode == -32800 || answer.result?.arrayValue?.count == 200)
    _ = try await worker.call(1, "cacheStats")
    worker.closeInput()
    #expect(try await worker.exitCode() == 0)
    #expect(worker.messages.filter { $0["id"] == "big" }.count == 1)
  }

  @Test func unloadableModelAnswersModelUnavailableAndExitsOne() async throws {
    let empty = FileManager.default.temporaryDirectory.appendingPathComponent("empty-model-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
    let worker = try WorkerProcess(arguments: ["--model", empty.path])
    worker.sendRequest(1, "encodeText", ["texts": ["a"]])
    #expect(try await worker.exitCode() == 1)
    #expect(worker.standardError.contains("cannot load model"))
    // The request either arrived before the end and was answered, or the process ended first.
    #expect(worker.messages.allSatisfy { $0.errorCode == -32002 })
  }

  @Test func zeroCacheStoresNothing() async throws {
    let worker = try start(["--cache-mb", "0"])
    _ = try await worker.call(1, "encodeText", ["texts": ["a"]])
    #expect(try await worker.call(2, "encodeText", ["texts": ["a"]]).result?["cached"] == [false])
    #expect(try await worker.call(3, "cacheStats").result?["entries"] == 0)
    worker.closeInput()
    #expect(try await worker.exitCode() == 0)
  }

  @Test func burstOfRequestsIsCoalescedIntoBatchedPasses() async throws {
    let worker = try start(["--log-level", "debug"])
    _ = try await worker.call("ready", "initialize")
    // One write holding 100 requests of one new text each.
    let burst = (0..<100).map { id -> String in
      let request: JSONValue = [
        "jsonrpc": "2.0", "id": JSONValue(id), "method": "encodeText", "params": ["texts": [.string("burst \(id)")]],
      ]
      return request.description
    }
    worker.send(burst.joined(separator: "\n"))
    worker.closeInput()
    #expect(try await worker.exitCode() == 0)
    #expect(worker.messages.filter { $0.result?["cached"] == [false] }.count == 100)
    let passes = worker.standardError.split(separator: "\n").filter { $0.contains("text pass of") }
    #expect(passes.count < 100, "\(passes.count) passes for 100 texts")
    #expect(passes.contains { !$0.contains("pass of 1 input ") })
  }
}
