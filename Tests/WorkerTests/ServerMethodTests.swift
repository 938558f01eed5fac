import Foundation
import JSONRPC
import Testing

@testable import Worker

/// Each method over an in-process connection with the deterministic test model.
@Suite(.timeLimit(.minutes(5))) struct ServerMethodTests {
  @Test func initializeDescribesServerModelMethodsAndLimits() async throws {
    var configuration = WorkerConfiguration()
    configuration.cacheCapacityBytes = 12345
    let connection = TestConnection(configuration: configuration)
    let result = try #require(try await connection.call(1, "initialize", ["clientInfo": ["name": "t"]]).result)
    #expect(result["serverInfo"] == ["name": "clip-worker", "version": .string(WorkerVersion.current)])
    #expect(
      result["model"] == [
        "id": "/models/test", "path": "/models/test", "embeddingDim": 8, "imageSize": 4, "contextLength": 77,
        "dtype": "float32", "precision": "f32", "family": "test", "scoring": ["function": "softmax", "logitScale": JSONValue(Float(100))],
      ])
    let methodValues = result["methods"]?.arrayValue ?? []
    let methods = methodValues.compactMap { $0.stringValue }
    #expect(
      Set(methods) == [
        "initialize", "shutdown", "exit", "$/cancelRequest", "rpc.discover", "encodeText", "encodeImage", "classify",
        "cacheStats", "cacheClear", "index", "search", "rank", "collections", "dropCollection",
      ])
    #expect(result["limits"]?["cacheCapacityBytes"] == 12345)
    #expect(result["limits"]?["maxMessageBytes"] == JSONValue(LineFramer.defaultMaxLineBytes))
  }

  @Test func encodeTextNormalizesByDefault() async throws {
    let connection = TestConnection()
    let result = try #require(try await connection.call(1, "encodeText", ["texts": ["a cat", "a dog"]]).result)
    #expect(result["dim"] == 8)
    #expect(result["model"] == "/models/test")
    #expect(result["cached"] == [false, false])
    let embeddings = try #require(result["embeddings"]?.arrayValue)
    for (text, embedding) in zip(["a cat", "a dog"], embeddings) {
      #expect(embedding.arrayValue?.compactMap(\.float) == TestModel.normalized(TestModel.textEmbedding(text)))
    }
  }

  @Test func encodeTextRawAndBase64() async throws {
    let connection = TestConnection()
    let raw = try #require(try await connection.call(1, "encodeText", ["texts": ["x"], "normalize": false]).result)
    #expect(raw["embeddings"]?[0]?.arrayValue?.compactMap(\.float) == TestModel.textEmbedding("x"))
    let rawValues: [JSONValue] = TestModel.textEmbedding("x").map { JSONValue($0) }
    #expect(raw["embeddings"] == .array([.array(rawValues)]))
    let encoded = try #require(
      try await connection.call(2, "encodeText", ["texts": ["x"], "encoding": "base64"]).result)
    #expect(encoded["cached"] == ["memory"])
    let text = try #require(encoded["embeddings"]?[0]?.stringValue)
    let data = try #require(Data(base64Encoded: text))
    let floats: [Float] = stride(from: 0, to: data.count, by: 4).map { offset in
      var bits: UInt32 = 0
      for byte in 0..<4 { bits |= UInt32(data[offset + byte]) << (8 * UInt32(byte)) }
      return Float(bitPattern: bits)
    }
    #expect(floats == TestModel.normalized(TestModel.textEmbedding("x")))
  }

  @Test func emptyTextListIsAnEmptyResult() async throws {
    let result = try #require(try await TestConnection().call(1, "encodeText", ["texts": []]).result)
    #expect(result["embeddings"] == [] && result["cached"] == [])
  }

  @Test func encodeImageByPathAndByBytesHitOneEntry() async throws {
    let connection = TestConnection()
    let bytes = TestImages.ppm(width: 3, height: 2, seed: 9)
    let path = try TestImages.file(bytes)
    let copy = try TestImages.file(bytes, name: "copy.ppm")
    let first = try #require(try await connection.call(1, "encodeImage", ["images": [["path": .string(path)]]]).result)
    #expect(first["cached"] == [false])
    let data = Data(bytes).base64EncodedString()
    let second = try #require(
      try await connection.call(2, "encodeImage", ["images": [["data": .string(data)], ["path": .string(copy)]]]).result
    )
    #expect(second["cached"] == ["memory", "memory"])
    #expect(second["embeddings"]?[0] == first["embeddings"]?[0])
    let expected = TestModel.normalized(TestModel.embedding(of: try decodePPM(bytes, .init()).pixels, seed: 3 * 31 + 2))
    #expect(first["embeddings"]?[0]?.arrayValue?.compactMap(\.float) == expected)
    let statistics = try #require(try await connection.call(3, "cacheStats").result)
    #expect(statistics["image"]?["entries"] == 1)
    #expect(statistics["image"]?["hits"] == 2)
    #expect(statistics["image"]?["misses"] == 1)
    #expect(connection.model.batchSizes(.image) == [1])
  }

  @Test func oneBadImageFailsTheRequestNamingIt() async throws {
    let connection = TestConnection()
    let good = try TestImages.file(TestImages.ppm(width: 1, height: 1, seed: 0))
    let notAnImage = try TestImages.file(Array("hello".utf8), name: "x.ppm")
    let response = try await connection.call(
      1, "encodeImage", ["images": [["path": .string(good)], ["path": .string(notAnImage)], ["path": "/no/such/file"]]])
    #expect(response.errorCode == -32001)
    #expect(
      response["error"]?["data"] == [
        "param": "images", "index": 1, "input": ["path": .string(notAnImage)],
        "reason": "cannot decode image: not a PPM file",
      ])
    let missing = try await connection.call(2, "encodeImage", ["images": [["path": "/no/such/file"]]])
    #expect(missing["error"]?["data"]?["reason"] == "no such file: /no/such/file")
    let badBase64 = try await connection.call(3, "classify", ["image": ["data": "!!"], "labels": ["a"]])
    #expect(
      badBase64["error"]?["data"] == [
        "param": "image", "index": 0, "input": ["dataLength": 2], "reason": "data is not valid base64",
      ])
    // The good image of the failed request was still computed and cached; nothing else is affected.
    let after = try #require(try await connection.call(4, "encodeImage", ["images": [["path": .string(good)]]]).result)
    #expect(after["cached"] == ["memory"])
  }

  @Test func imageLimitsAreApplied() async throws {
    var configuration = WorkerConfiguration()
    configuration.imageLimits.maxPixels = 4
    let connection = TestConnection(configuration: configuration)
    let big = try TestImages.file(TestImages.ppm(width: 3, height: 2, seed: 0))
    let response = try await connection.call(1, "encodeImage", ["images": [["path": .string(big)]]])
    #expect(response.errorCode == -32001)
    #expect(
      response["error"]?["data"]?["reason"]
        == "cannot decode image: image of 3×2 pixels exceeds the limit of 4 pixels")
  }

  @Test func classifyMatchesTheModelsScoresSorted() async throws {
    let connection = TestConnection()
    let bytes = TestImages.ppm(width: 2, height: 2, seed: 5)
    let path = try TestImages.file(bytes)
    let labels = ["cat", "dog", "car", "tree"]
    let result = try #require(
      try await connection.call(
        1, "classify", ["image": ["path": .string(path)], "labels": .array(labels.map { .string($0) })]
      ).result)
    let image = TestModel.embedding(of: try decodePPM(bytes, .init()).pixels, seed: 2 * 31 + 2)
    let texts = labels.map { TestModel.textEmbedding("This is a photo of \($0).") }
    let scores = TestModel.expectedScores(image: image, texts: texts)
    let expected = zip(labels, scores).sorted { $0.1 > $1.1 }
    let list = try #require(result.arrayValue)
    try #require(list.count == labels.count)
    #expect(list.map { $0["label"] } == expected.map { .string($0.0) })
    for (entry, (label, score)) in zip(list, expected) {
      let found = try #require(entry["score"]?.float)
      #expect(abs(Double(found) - score) < 1e-6, "\(label)")
    }
  }

  @Test func classifyAcceptsPipelineNamesImagesAndTopK() async throws {
    let connection = TestConnection()
    let paths = try [1, 2].map { try TestImages.file(TestImages.ppm(width: 2, height: 1, seed: UInt8($0))) }
    let named = try #require(
      try await connection.call(
        1, "classify",
        [
          "images": .array(paths.map { ["path": .string($0)] }), "candidate_labels": ["a", "b", "c"],
          "hypothesis_template": "{} here", "topK": 2,
        ]
      ).result)
    let lists = try #require(named.arrayValue)
    #expect(lists.count == 2 && lists.allSatisfy { $0.arrayValue?.count == 2 })
    // The label texts were embedded once, with the template applied, and encodeText reuses them.
    #expect(connection.model.batchSizes(.text).reduce(0, +) == 3)
    let reused = try #require(try await connection.call(2, "encodeText", ["texts": ["a here", "b here"]]).result)
    #expect(reused["cached"] == ["memory", "memory"])
    let single = try #require(
      try await connection.call(
        3, "classify", ["image": ["path": .string(paths[0])], "labels": ["a", "b", "c"], "template": "{} here"]
      ).result)
    #expect(single.arrayValue?.count == 3)
    #expect(single.arrayValue?.prefix(2).map { $0 } == lists[0].arrayValue?.map { $0 })
  }

  static let invalidParamsCases: [(String, JSONValue)] = [
    ("encodeText", ["texts": "a"]),
    ("encodeText", ["texts": ["a"], "normalise": true]),
    ("encodeText", ["texts": ["a"], "encoding": "hex"]),
    ("encodeText", .object(JSONObject())),
    ("encodeText", ["a"]),
    ("encodeImage", ["images": [["path": "a", "data": "b"]]]),
    ("encodeImage", ["images": [["url": "a"]]]),
    ("classify", ["labels": ["a"]]),
    ("classify", ["image": ["path": "a"], "images": [["path": "a"]], "labels": ["a"]]),
    ("classify", ["image": ["path": "a"], "labels": []]),
    ("classify", ["image": ["path": "a"], "labels": ["a"], "candidate_labels": ["b"]]),
    ("classify", ["image": ["path": "a"], "labels": ["a"], "topK": 0]),
    ("classify", ["image": ["path": "a"], "labels": ["a"], "template": "{x}"]),
    ("cacheStats", ["verbose": true]),
    ("shutdown", [1]),
  ]

  @Test(arguments: invalidParamsCases)
  func invalidParams(method: String, params: JSONValue) async throws {
    let response = try await TestConnection().call(1, method, params)
    #expect(response.errorCode == -32602, "\(method) \(params): \(response)")
  }

  @Test func cacheClearEmptiesTheCache() async throws {
    let connection = TestConnection()
    _ = try await connection.call(1, "encodeText", ["texts": ["a", "b"]])
    #expect(try await connection.call(2, "cacheClear").result == nil as JSONValue)
    let statistics = try #require(try await connection.call(3, "cacheStats").result)
    #expect(statistics["entries"] == 0 && statistics["bytes"] == 0 && statistics["misses"] == 2)
    #expect(try await connection.call(4, "encodeText", ["texts": ["a"]]).result?["cached"] == [false])
  }

  @Test func cacheEvictsWithinItsBound() async throws {
    var configuration = WorkerConfiguration()
    // A text entry costs 4 × 8 + 1 bytes: two fit.
    configuration.cacheCapacityBytes = 70
    let connection = TestConnection(configuration: configuration)
    _ = try await connection.call(1, "encodeText", ["texts": ["a"]])
    _ = try await connection.call(2, "encodeText", ["texts": ["b"]])
    _ = try await connection.call(3, "encodeText", ["texts": ["c"]])
    let statistics = try #require(try await connection.call(4, "cacheStats").result)
    #expect(statistics["entries"] == 2 && statistics["bytes"] == 66 && statistics["evictions"] == 1)
    #expect(statistics["capacityBytes"] == 70)
    #expect(try await connection.call(5, "encodeText", ["texts": ["a", "c"]]).result?["cached"] == [false, "memory"])
  }

  @Test func discoverReturnsTheOpenRPCDocument() async throws {
    let result = try #require(try await TestConnection().call(1, "rpc.discover").result)
    #expect(result["openrpc"] == "1.2.6")
    #expect(result == (try OpenRPCDocument.json()))
  }
}
