import Testing

@testable import Worker

/// Inputs submitted while a forward pass runs are coalesced into the next pass.
@Suite(.timeLimit(.minutes(5))) struct BatcherTests {
  @Test func concurrentInputsShareForwardPasses() async throws {
    let model = TestModel()
    let batcher = Batcher(model: model, maxBatchSize: 32)
    model.close()
    let first = Task { await batcher.embed(texts: ["first"]) }
    try await waitUntil("not (model.batchSizes(.text).isEmpty)") { !(model.batchSizes(.text).isEmpty) }
    // The first pass is held; these five queue up behind it.
    let rest = (0..<5).map { index in Task { await batcher.embed(texts: ["text \(index)"]) } }
    try await waitUntil("not (batcher.queuedCount < 5)") { !(batcher.queuedCount < 5) }
    model.open()
    #expect(await first.value == [TestModel.textEmbedding("first")])
    for (index, task) in rest.enumerated() { #expect(await task.value == [TestModel.textEmbedding("text \(index)")]) }
    #expect(model.batchSizes(.text) == [1, 5])
  }

  @Test func batchesAreCappedAndKindsAlternate() async throws {
    let model = TestModel()
    let batcher = Batcher(model: model, maxBatchSize: 2)
    model.close()
    let blocker = Task { await batcher.embed(texts: ["blocker"]) }
    try await waitUntil("not (model.batchSizes(.text).isEmpty)") { !(model.batchSizes(.text).isEmpty) }
    let texts = (0..<3).map { index in Task { await batcher.embed(texts: ["t\(index)"]) } }
    let image = Task { await batcher.embed(images: [.init(width: 1, height: 1, pixels: [1, 2, 3])]) }
    try await waitUntil("not (batcher.queuedCount < 4)") { !(batcher.queuedCount < 4) }
    model.open()
    _ = await blocker.value
    for task in texts { _ = await task.value }
    _ = await image.value
    #expect(model.batchSizes(.text) == [1, 2, 1])
    #expect(model.batchSizes(.image) == [1])
    #expect(batcher.forwardPasses == 4)
  }

  /// A submission of several inputs is queued whole before its pass starts, joins what else is queued, and
  /// is split over passes only by `maxBatchSize`.
  @Test func submissionsRunTogetherUpToTheCap() async throws {
    let model = TestModel()
    let batcher = Batcher(model: model, maxBatchSize: 4)
    let texts = (0..<3).map { "t\($0)" }
    #expect(await batcher.embed(texts: texts) == texts.map(TestModel.textEmbedding))
    #expect(model.batchSizes(.text) == [3])
    model.close()
    let blocker = Task { await batcher.embed(texts: ["blocker"]) }
    try await waitUntil("not (model.batchSizes(.text).count < 2)") { !(model.batchSizes(.text).count < 2) }
    let first = Task { await batcher.embed(texts: ["a", "b", "c"]) }
    try await waitUntil("not (batcher.queuedCount < 3)") { !(batcher.queuedCount < 3) }
    let second = Task { await batcher.embed(texts: ["d", "e", "f"]) }
    try await waitUntil("not (batcher.queuedCount < 6)") { !(batcher.queuedCount < 6) }
    model.open()
    _ = await blocker.value
    #expect(await first.value == ["a", "b", "c"].map(TestModel.textEmbedding))
    #expect(await second.value == ["d", "e", "f"].map(TestModel.textEmbedding))
    #expect(model.batchSizes(.text) == [3, 1, 4, 2])
    #expect(await batcher.embed(texts: []) == [])
    #expect(model.batchSizes(.text).count == 4)
  }
}
