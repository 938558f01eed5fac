import Foundation
import ImageCodecs
import ImageProcessing
import Models
import Testing
@testable import SigLIP
@testable import Transformer

/// SigLIP 2 NaFlex against transformers on the tiny random `siglip2` checkpoint (Fixtures/make_naflex_fixtures.py):
/// the processor's sizes and patches exactly, the resized position grid and both towers within 1e-5.
@Suite(.timeLimit(.minutes(5))) struct NaFlexParityTests {
  static let tolerance: Float = 1e-5

  @Test func theTargetSizeIsTransformersBisection() throws {
    let sizes = try NaFlexFixtures.reference().sizes
    try #require(sizes.count >= 50)
    for c in sizes {
      let got = NaFlexImageProcessor.targetSize(height: c.height, width: c.width, patch: c.patch, maxPatches: c.maxPatches)
      #expect([got.height, got.width] == c.size, "\(c.height)×\(c.width) patch \(c.patch) max \(c.maxPatches)")
    }
  }

  /// Up and down, odd shapes, sides of 1 (where torch's F.interpolate differs from transformers' own filter).
  @Test func thePositionGridIsResizedAsTransformersResizesIt() throws {
    let cases = try NaFlexFixtures.reference().positions
    try #require(cases.count >= 10)
    for c in cases {
      let positions = NaFlexPositionEmbedding(grid: c.grid, width: 3, table: c.table)
      let (rows, columns) = (c.shape[0], c.shape[1])
      let resized = positions.resized(rows: rows, columns: columns)
      try #require(c.resized.count == c.length * 3 && resized.count == rows * columns * 3)
      let worst = zip(resized, c.resized).map { abs($0 - $1) }.max() ?? .infinity
      #expect(worst <= 1e-6, "grid \(c.grid) to \(rows)×\(columns): \(worst)")
      // transformers pads with position 0's value (masked, so never seen).
      #expect(c.resized[(rows * columns * 3)...].elementsEqual(c.resized[(rows * columns * 3)...].indices.map {
        c.resized[$0 % 3] }))
    }
  }

  @Test func theProcessorGivesTransformersPatchesForEveryAspectRatio() throws {
    let images = try NaFlexFixtures.reference().images
    try #require(images.count >= 5)
    let processor = try NaFlexImageProcessor(contentsOf: NaFlexFixtures.checkpoint.appendingPathComponent(
      "preprocessor_config.json"))
    #expect(processor.configuration.patchSize == 4 && processor.configuration.maxNumPatches == 32)
    #expect(processor.configuration.steps.resample == .bilinear)
    for image in images {
      let patches = processor(RGBImage(width: image.width, height: image.height, pixels: image.pixels))
      #expect([patches.rows, patches.columns] == image.spatialShape, "\(image.width)×\(image.height)")
      #expect(image.mask == [Int](repeating: 1, count: patches.count) + [Int](repeating: 0, count: 32 - patches.count))
      #expect(patches.values == image.pixelValues, "\(image.width)×\(image.height)")
    }
  }

  @Test func imageEmbeddingsMatchInOneBatchAndAlone() throws {
    let model = try Siglip2Model(directory: NaFlexFixtures.checkpoint)
    let images = try NaFlexFixtures.reference().images
    try #require(images.count >= 5)
    let patches = images.map {
      ImagePatches(rows: $0.spatialShape[0], columns: $0.spatialShape[1], values: $0.pixelValues)
    }
    let embeddings = model.vision.embed(patches)
    #expect(SiglipFixtures.maxAbsDifference(embeddings, images.map(\.imageEmbeds)) <= Self.tolerance)
    #expect(model.vision.embed([patches[1]])[0] == embeddings[1])
  }

  @Test func textEmbeddingsOfThePipelinesMaskedIDsMatch() throws {
    let engine = try #require(try ModelFamilies.load(directory: NaFlexFixtures.checkpoint) as? Siglip2Engine)
    let text = try NaFlexFixtures.reference().text
    try #require(text.texts.count == text.textEmbeds.count && text.tokenIDs.allSatisfy { $0.count == 64 })
    #expect(engine.text.layout == PipelineTextLayout(padsLeft: true, masked: true))
    #expect(text.texts.map(engine.text.tokenIDs) == text.tokenIDs)
    #expect(SiglipFixtures.maxAbsDifference(engine.textEmbeddings(text.texts), text.textEmbeds) <= Self.tolerance)
  }

  @Test func theEngineFromTheRegistryGivesThePipelinesScores() throws {
    let directory = NaFlexFixtures.checkpoint
    #expect(try ModelFamilies.family(directory: directory).name == "siglip2")
    #expect(try ModelFamilies.files(Array(#"{"model_type": "siglip2"}"#.utf8)).required.map(\.name)
      == ["preprocessor_config.json", "tokenizer.json"])
    let engine = try #require(try ModelFamilies.load(directory: directory) as? Siglip2Engine)
    let reference = try NaFlexFixtures.reference()
    let images = reference.images.map { RGBImage(width: $0.width, height: $0.height, pixels: $0.pixels) }
    #expect(SiglipFixtures.maxAbsDifference(engine.imageEmbeddings(images), reference.images.map(\.imageEmbeds))
      <= Self.tolerance)
    let scores = engine.scoring.scores(
      image: engine.imageEmbeddings([images[0]])[0],
      texts: engine.textEmbeddings(reference.labels.map { "This is a photo of \($0)." }))
    try #require(reference.pipeline.count == reference.labels.count)
    for expected in reference.pipeline {
      let index = try #require(reference.labels.firstIndex(of: expected.label))
      #expect(abs(scores[index] - expected.score) <= 1e-5, "\(expected.label)")
    }
    #expect(engine.scoring == .sigmoid(logitScale: engine.model.logitScale, logitBias: engine.model.logitBias))
    #expect(engine.properties == ModelProperties(
      family: "siglip2", embeddingDimension: 32, imageSize: 20, contextLength: 64, dtype: "float32"))
  }

  @Test func configsTheTowersCannotServeAreRefused() throws {
    #expect(throws: CheckpointError.invalidConfig(
      reason: "vision_config.num_patches 200 is not a square: the position table is a square grid")) {
      try Siglip2Config(json: Data(#"{"vision_config": {"num_patches": 200}}"#.utf8))
    }
    #expect(throws: CheckpointError.invalidConfig(
      reason: "vision_use_head is false: the vision tower has no image embedding")) {
      try Siglip2Config(json: Data(#"{"vision_config": {"vision_use_head": false}}"#.utf8))
    }
    let config = try Siglip2Config(json: Data(#"{"model_type": "siglip2"}"#.utf8))
    #expect(config.vision.gridSize == 16 && config.vision.tower.patchSize == 16 && config.text.maxPositionEmbeddings == 64)
    #expect(throws: ImageProcessorConfigurationError.unsupportedOption("do_resize false")) {
      try NaFlexImageProcessor(configuration: JSONDecoder().decode(
        NaFlexImageProcessorConfiguration.self, from: Data(#"{"do_resize": false}"#.utf8)))
    }
    let defaults = try JSONDecoder().decode(NaFlexImageProcessorConfiguration.self, from: Data("{}".utf8))
    #expect(defaults == NaFlexImageProcessorConfiguration() && defaults.maxNumPatches == 256)
  }

  /// A processor cutting patches of another size than the model's is refused at load, naming both.
  @Test func aProcessorWhosePatchesTheModelDoesNotTakeIsRefused() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("naflex-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    try FileManager.default.copyItem(at: NaFlexFixtures.checkpoint, to: directory)
    let preprocessor = directory.appendingPathComponent("preprocessor_config.json")
    var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: preprocessor)) as? [String: Any])
    config["patch_size"] = 8
    try JSONSerialization.data(withJSONObject: config).write(to: preprocessor)
    #expect(throws: CheckpointError.invalidConfig(
      reason: "preprocessor_config.json cuts patches of 8 pixels; the vision model takes 4")) {
      try ModelFamilies.load(directory: directory)
    }
  }
}
