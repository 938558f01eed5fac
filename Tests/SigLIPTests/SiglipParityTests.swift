import Foundation
import ImageCodecs
import ImageProcessing
import Models
import Testing
@testable import SigLIP
@testable import Transformer

/// The SigLIP towers, processor and scores against `transformers` on the tiny random checkpoint (see
/// Fixtures/make_fixtures.py): every embedding within 1e-5 of the reference, absolute.
@Suite(.timeLimit(.minutes(5))) struct SiglipParityTests {
  static let tolerance: Float = 1e-5

  @Test func textEmbeddingsOfThePipelinesPaddedIDsMatch() throws {
    let model = try SiglipModel(directory: SiglipFixtures.checkpoint("tiny-siglip"))
    let inputs = try SiglipFixtures.inputs(), reference = try SiglipFixtures.references().f32
    try #require(inputs.tokenIDs.count == inputs.texts.count && inputs.tokenIDs.allSatisfy { $0.count == 64 })
    let embeddings = model.text.embed(tokenIDs: inputs.tokenIDs)
    #expect(SiglipFixtures.maxAbsDifference(embeddings, reference.textEmbeds) <= Self.tolerance)
  }

  /// With the mask a SiglipTokenizer gives by default, the padding is hidden from every token.
  @Test func maskedTextEmbeddingsMatch() throws {
    let model = try SiglipModel(directory: SiglipFixtures.checkpoint("tiny-siglip"))
    let inputs = try SiglipFixtures.inputs(), reference = try SiglipFixtures.references().f32
    // The real tokens end at the first </s> (id 1, which also pads); the mask covers them.
    let keys = try inputs.tokenIDs.map { ids in 0 ..< (try #require(ids.firstIndex(of: 1)) + 1) }
    let embeddings = model.text.embed(tokenIDs: inputs.tokenIDs, keys: keys)
    #expect(SiglipFixtures.maxAbsDifference(embeddings, reference.textEmbedsMasked) <= Self.tolerance)
    #expect(SiglipFixtures.maxAbsDifference(embeddings, reference.textEmbeds) > 1e-3, "the mask changes the values")
  }

  @Test func imageEmbeddingsMatch() throws {
    let model = try SiglipModel(directory: SiglipFixtures.checkpoint("tiny-siglip"))
    let inputs = try SiglipFixtures.inputs(), reference = try SiglipFixtures.references().f32
    try #require(inputs.pixelTensors.count == 3)
    let embeddings = model.vision.embed(pixelTensors: inputs.pixelTensors)
    #expect(SiglipFixtures.maxAbsDifference(embeddings, reference.imageEmbeds) <= Self.tolerance)
    // Alone or in a batch, the same values.
    #expect(model.vision.embed(pixelTensors: [inputs.pixelTensors[1]])[0] == embeddings[1])
  }

  @Test func theProcessorResizesStraightToTheSquare() throws {
    let inputs = try SiglipFixtures.inputs(), reference = try SiglipFixtures.references().f32
    let processor = try CLIPImageProcessor(
      contentsOf: SiglipFixtures.checkpoint("tiny-siglip").appendingPathComponent("preprocessor_config.json"),
      defaults: .siglip)
    #expect(!processor.configuration.doCenterCrop && processor.configuration.imageMean == [0.5, 0.5, 0.5])
    let image = RGBImage(width: inputs.rgb.width, height: inputs.rgb.height, pixels: inputs.rgb.pixels)
    let tensor = processor(image)
    try #require(tensor.count == inputs.rgbTensor.count)
    #expect(tensor == inputs.rgbTensor, "max difference \(zip(tensor, inputs.rgbTensor).map { abs($0 - $1) }.max()!)")
    let model = try SiglipModel(directory: SiglipFixtures.checkpoint("tiny-siglip"))
    #expect(SiglipFixtures.maxAbsDifference(model.vision.embed(pixelTensors: [tensor]), reference.rgbImageEmbeds)
      <= Self.tolerance)
  }

  @Test func logitsAndThePipelinesSigmoidScoresMatch() throws {
    let model = try SiglipModel(directory: SiglipFixtures.checkpoint("tiny-siglip"))
    let inputs = try SiglipFixtures.inputs(), references = try SiglipFixtures.references()
    #expect(abs(model.logitScale - references.f32.logitScale) <= 1e-6 * references.f32.logitScale)
    #expect(model.logitBias == references.f32.logitBias)
    let scoring = ZeroShotScoring.sigmoid(logitScale: model.logitScale, logitBias: model.logitBias)
    let image = model.vision.embed(pixelTensors: [inputs.pixelTensors[0]])[0]
    // `logits` is the scaled cosine; the model's logits add the bias.
    let logits = scoring.logits(image: image, texts: model.text.embed(tokenIDs: inputs.tokenIDs)).map {
      $0 + model.logitBias
    }
    #expect(SiglipFixtures.maxAbsDifference([logits], [references.f32.logitsPerImage]) <= 1e-4)
    // The pipeline on the RGB image and its labels under "This is a photo of {}.".
    let rgb = try CLIPImageProcessor(
      contentsOf: SiglipFixtures.checkpoint("tiny-siglip").appendingPathComponent("preprocessor_config.json"),
      defaults: .siglip)(RGBImage(width: inputs.rgb.width, height: inputs.rgb.height, pixels: inputs.rgb.pixels))
    let scores = scoring.scores(
      image: model.vision.embed(pixelTensors: [rgb])[0], texts: model.text.embed(tokenIDs: inputs.labelTokenIDs))
    try #require(references.pipeline.count == inputs.labels.count)
    for expected in references.pipeline {
      let index = try #require(inputs.labels.firstIndex(of: expected.label))
      #expect(abs(scores[index] - expected.score) <= 1e-5, "\(expected.label)")
    }
  }

  @Test func bfloat16WeightsStayHalvesAndMatchTheirReference() throws {
    let model = try SiglipModel(directory: SiglipFixtures.checkpoint("tiny-siglip-bf16"))
    let inputs = try SiglipFixtures.inputs(), reference = try SiglipFixtures.references().bf16
    #expect(model.dtype == "bfloat16")
    #expect(model.vision.patchEmbedding.holdsHalves && model.text.head.holdsHalves)
    #expect(SiglipFixtures.maxAbsDifference(model.text.embed(tokenIDs: inputs.tokenIDs), reference.textEmbeds)
      <= Self.tolerance)
    #expect(SiglipFixtures.maxAbsDifference(model.vision.embed(pixelTensors: inputs.pixelTensors),
                                            reference.imageEmbeds) <= Self.tolerance)
  }

  @Test func aConfigWithoutTheHeadOrWithUnequalWidthsIsRefused() throws {
    #expect(throws: CheckpointError.invalidConfig(
      reason: "vision_use_head is false: the vision tower has no image embedding")) {
      try SiglipConfig(json: Data(#"{"vision_config": {"vision_use_head": false}}"#.utf8))
    }
    #expect(throws: CheckpointError.invalidConfig(
      reason: "text embeddings of 512 cannot be compared with image embeddings of 768")) {
      try SiglipConfig(json: Data(#"{"text_config": {"projection_size": 512}}"#.utf8))
    }
    let config = try SiglipConfig(json: Data(#"{"model_type": "siglip"}"#.utf8))
    #expect(config.text.maxPositionEmbeddings == 64 && config.vision.patchSize == 16 && config.text.vocabSize == 32000)
  }
}

/// The family through the registry: the checkpoint's own tokenizer, padding and processor, as the pipeline.
@Suite(.timeLimit(.minutes(5))) struct SiglipEngineTests {
  @Test func theRegistryLoadsTheEngineWhoseTextsAreThePipelines() throws {
    let directory = SiglipFixtures.checkpoint("tiny-siglip")
    #expect(try ModelFamilies.family(directory: directory).name == "siglip")
    let engine = try #require(try ModelFamilies.load(directory: directory) as? SiglipEngine)
    let inputs = try SiglipFixtures.inputs(), reference = try SiglipFixtures.references().f32
    #expect(inputs.texts.map(engine.tokenIDs) == inputs.tokenIDs)
    #expect(SiglipFixtures.maxAbsDifference(engine.textEmbeddings(inputs.texts), reference.textEmbeds) <= 1e-5)
    let image = RGBImage(width: inputs.rgb.width, height: inputs.rgb.height, pixels: inputs.rgb.pixels)
    #expect(SiglipFixtures.maxAbsDifference(engine.imageEmbeddings([image]), reference.rgbImageEmbeds) <= 1e-5)
    #expect(engine.scoring == .sigmoid(logitScale: engine.model.logitScale, logitBias: engine.model.logitBias))
    #expect(engine.properties.contextLength == 64 && engine.properties.embeddingDimension == 32)
  }
}

/// SigLIP 2's fixed-resolution checkpoints: a `siglip` model with a Gemma tokenizer, left padding and a mask.
@Suite(.timeLimit(.minutes(5))) struct Siglip2FixedResolutionTests {
  @Test func gemmaTokenizedMaskedLeftPaddedTextsAndPipelineScoresMatch() throws {
    let directory = SiglipFixtures.checkpoint("tiny-siglip2")
    let engine = try #require(try ModelFamilies.load(directory: directory) as? SiglipEngine)
    let inputs = try SiglipFixtures.siglip2Inputs(), reference = try SiglipFixtures.siglip2Reference()
    #expect(engine.layout == PipelineTextLayout(padsLeft: true, masked: true))
    try #require(inputs.texts.count == reference.textEmbeds.count)
    #expect(inputs.texts.map(engine.tokenIDs) == inputs.tokenIDs)
    #expect(SiglipFixtures.maxAbsDifference(engine.textEmbeddings(inputs.texts), reference.textEmbeds) <= 1e-5)
    let rgbInputs = try SiglipFixtures.inputs()
    let image = RGBImage(width: rgbInputs.rgb.width, height: rgbInputs.rgb.height, pixels: rgbInputs.rgb.pixels)
    let scores = engine.scoring.scores(
      image: engine.imageEmbeddings([image])[0],
      texts: engine.textEmbeddings(inputs.labels.map { "This is a photo of \($0)." }))
    try #require(reference.pipeline.count == inputs.labels.count)
    for expected in reference.pipeline {
      let index = try #require(inputs.labels.firstIndex(of: expected.label))
      #expect(abs(scores[index] - expected.score) <= 1e-5, "\(expected.label)")
    }
  }
}
