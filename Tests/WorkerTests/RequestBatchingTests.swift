import JSONRPC
import Testing

@testable import Worker

/// A request's inputs run in one forward pass, not a pass of the first input followed by one of the rest.
@Suite(.timeLimit(.minutes(5))) struct RequestBatchingTests {
  /// Repeated, because without the batched submission whether the first text went alone was a race.
  @Test func encodeTextOfEightTextsIsOnePass() async throws {
    let connection = TestConnection()
    for round in 0..<20 {
      let texts = (0..<8).map { "text \(round).\($0)" }
      let result = try #require(
        try await connection.call(JSONValue(round), "encodeText", ["texts": .array(texts.map { .string($0) })]).result)
      #expect(result["cached"] == .array(Array(repeating: false, count: 8)))
      for (text, embedding) in zip(texts, try #require(result["embeddings"]?.arrayValue)) {
        #expect(embedding.arrayValue?.compactMap(\.float) == TestModel.normalized(TestModel.textEmbedding(text)), "\(text)")
      }
    }
    #expect(connection.model.batchSizes(.text) == Array(repeating: 8, count: 20))
  }

  @Test func classifyWithEightLabelsIsOneTextPass() async throws {
    let connection = TestConnection()
    let path = try TestImages.file(TestImages.ppm(width: 2, height: 2, seed: 5))
    for round in 0..<20 {
      let labels: [JSONValue] = (0..<8).map { .string("label \(round).\($0)") }
      let list = try #require(
        try await connection.call(
          JSONValue(round), "classify", ["image": ["path": .string(path)], "labels": .array(labels)]
        ).result)
      #expect(list.arrayValue?.count == 8)
    }
    #expect(connection.model.batchSizes(.text) == Array(repeating: 8, count: 20))
    #expect(connection.model.batchSizes(.image) == [1])
  }

  @Test func encodeImageOfThreeImagesIsOnePass() async throws {
    let connection = TestConnection()
    for round in 0..<20 {
      let files = (0..<3).map { TestImages.ppm(width: 2, height: 1, seed: UInt8(round * 3 + $0)) }
      let paths = try files.map { try TestImages.file($0) }
      let result = try #require(
        try await connection.call(
          JSONValue(round), "encodeImage", ["images": .array(paths.map { ["path": .string($0)] })]
        ).result)
      for (bytes, embedding) in zip(files, try #require(result["embeddings"]?.arrayValue)) {
        let expected = TestModel.embedding(of: try decodePPM(bytes, .init()).pixels, seed: 2 * 31 + 1)
        #expect(embedding.arrayValue?.compactMap(\.float) == TestModel.normalized(expected))
      }
    }
    #expect(connection.model.batchSizes(.image) == Array(repeating: 3, count: 20))
  }

  /// Only the misses are computed, in one pass; a repeated text is computed once and reported cached.
  @Test func onlyMissesAreComputedTogether() async throws {
    let connection = TestConnection()
    _ = try await connection.call(1, "encodeText", ["texts": ["a", "b"]])
    let result = try #require(try await connection.call(2, "encodeText", ["texts": ["a", "c", "d", "c", "b"]]).result)
    #expect(result["cached"] == ["memory", false, false, "memory", "memory"])
    #expect(connection.model.batchSizes(.text) == [2, 2])
    let embeddings = try #require(result["embeddings"]?.arrayValue)
    #expect(embeddings[1] == embeddings[3])
    #expect(embeddings[1].arrayValue?.compactMap(\.float) == TestModel.normalized(TestModel.textEmbedding("c")))
  }

  /// An undecodable image fails the call naming it; the others of the request are computed in one pass
  /// and cached.
  @Test func undecodableImageDoesNotStopTheOthers() async throws {
    let connection = TestConnection()
    let good = try [1, 2].map { try TestImages.file(TestImages.ppm(width: 1, height: 1, seed: UInt8($0))) }
    let bad = try TestImages.file(Array("not an image".utf8))
    let images: JSONValue = [["path": .string(good[0])], ["path": .string(bad)], ["path": .string(good[1])]]
    let failed = try await connection.call(1, "encodeImage", ["images": images])
    #expect(failed.errorCode == RPCError.Code.inputFailed)
    #expect(failed["error"]?["data"]?["index"] == 1)
    #expect(connection.model.batchSizes(.image) == [2])
    let again = try #require(
      try await connection.call(2, "encodeImage", ["images": .array(good.map { ["path": .string($0)] })]).result)
    #expect(again["cached"] == ["memory", "memory"])
  }
}
