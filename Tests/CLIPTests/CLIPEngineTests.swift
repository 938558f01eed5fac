import Foundation
import ImageCodecs
import Testing
import CLIP
import Models
@testable import Transformer

/// The facade end to end on tiny-clip: strings through the tokenizer and bytes through the image processor
/// give the embeddings `transformers` computed from `CLIPTokenizerFast` and `CLIPImageProcessor` output.
@Suite(.timeLimit(.minutes(5))) struct CLIPEngineTests {
  @Test func textEmbeddingsFromStringsMatchTransformers() throws {
    let engine = try CLIPEngine(directory: TestFixtures.checkpoint("tiny-clip"))
    let inputs = try TestFixtures.inputs()
    #expect(inputs.texts.map(engine.tokenizer.encode) == inputs.tokenIDs)
    let embeds = engine.textEmbeddings(inputs.texts)
    #expect(TestFixtures.maxAbsDifference(embeds, try TestFixtures.reference("tiny-clip").textEmbeds) <= 1e-5)
  }

  @Test func imageEmbeddingsFromPixelsMatchTransformers() throws {
    let engine = try CLIPEngine(directory: TestFixtures.checkpoint("tiny-clip"))
    let bytes = [UInt8](try Data(contentsOf: TestFixtures.directory.appendingPathComponent("rgb-45x37.rgb")))
    let image = RGBImage(width: 45, height: 37, pixels: bytes)
    let reference = try TestFixtures.reference("tiny-clip")
    #expect(TestFixtures.maxAbsDifference(engine.imageEmbeddings([image]), [reference.rgbImageEmbeds]) <= 1e-5)
    let tensors = try TestFixtures.pixelTensors()
    #expect(TestFixtures.maxAbsDifference(engine.imageEmbeddings(pixelTensors: tensors), reference.imageEmbeds) <= 1e-5)
  }

  @Test func zeroShotProbabilitiesMatchTransformers() throws {
    let engine = try CLIPEngine(directory: TestFixtures.checkpoint("tiny-clip"))
    let reference = try TestFixtures.reference("tiny-clip")
    let image = engine.imageEmbeddings(pixelTensors: [try TestFixtures.pixelTensors()[0]])[0]
    let texts = engine.textEmbeddings(try TestFixtures.inputs().texts)
    let probabilities = engine.scoring.scores(image: image, texts: texts)
    let expected = TestFixtures.softmax(reference.logitsPerImage)
    #expect(TestFixtures.maxAbsDifference([probabilities], [expected]) <= 1e-5)
  }

  /// One engine serves several threads at once and each gets what it would get alone.
  @Test func concurrentCallsGiveTheSameEmbeddings() throws {
    let engine = try CLIPEngine(directory: TestFixtures.checkpoint("tiny-clip"))
    let texts = try TestFixtures.inputs().texts
    let tensors = try TestFixtures.pixelTensors()
    let expectedText = engine.textEmbeddings(texts)
    let expectedImages = engine.imageEmbeddings(pixelTensors: tensors)
    let results = Results(count: 8)
    DispatchQueue.concurrentPerform(iterations: 8) { i in
      let output = i.isMultiple(of: 2)
        ? engine.textEmbeddings(texts) : engine.imageEmbeddings(pixelTensors: tensors)
      results.set(i, output)
    }
    for (i, output) in results.all.enumerated() {
      let expected = i.isMultiple(of: 2) ? expectedText : expectedImages
      #expect(TestFixtures.maxAbsDifference(output, expected) <= 1e-6, "call \(i)")
    }
  }

  @Test func infoDescribesTheCheckpoint() throws {
    let info = try CLIPEngine(directory: TestFixtures.checkpoint("tiny-clip")).info
    #expect(info == CLIPModelInfo(embeddingDimension: 24, imageSize: 32, contextLength: 77, dtype: "float32",
                                  logitScale: try TestFixtures.reference("tiny-clip").logitScale,
                                  textHiddenSize: 32, visionHiddenSize: 48))
  }

  /// tiny-clip's files, with `replacements` (nil removes a file), in a temporary directory.
  private func tinyVariant(_ replacements: [String: Data?]) throws -> URL {
    var files: [String: Data] = [:]
    for name in ["config.json", "model.safetensors", "vocab.json", "merges.txt", "tokenizer_config.json",
                 "special_tokens_map.json", "preprocessor_config.json"] {
      files[name] = try TestFixtures.tinyFile(name)
    }
    for (name, data) in replacements { files[name] = data }
    return try TestFixtures.temporaryCheckpoint(files)
  }

  @Test func missingPreprocessorConfigIsNamed() throws {
    let directory = try tinyVariant(["preprocessor_config.json": nil])
    defer { TestFixtures.remove(directory) }
    let path = directory.appendingPathComponent("preprocessor_config.json").path
    #expect(throws: CheckpointError.unreadableFile(path: path, reason: "no such file")) {
      try CLIPEngine(directory: directory)
    }
  }

  @Test func preprocessorOfAnotherSizeIsRefused() throws {
    let config = #"{"size": {"shortest_edge": 48}, "crop_size": {"height": 48, "width": 40}}"#
    let directory = try tinyVariant(["preprocessor_config.json": Data(config.utf8)])
    defer { TestFixtures.remove(directory) }
    #expect(throws: CheckpointError.preprocessorMismatch(outputWidth: 40, outputHeight: 48, imageSize: 32)) {
      try CLIPEngine(directory: directory)
    }
  }

  @Test func tokenizerLargerThanTheModelIsRefused() throws {
    // One added token beyond tiny-clip's 1514.
    let config = #"""
      {"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
       "pad_token": "<|endoftext|>", "model_max_length": 77,
       "added_tokens_decoder": {"1514": {"content": "<|extra|>", "special": true, "normalized": false,
                                         "lstrip": false, "rstrip": false, "single_word": false}}}
      """#
    let directory = try tinyVariant(["tokenizer_config.json": Data(config.utf8)])
    defer { TestFixtures.remove(directory) }
    #expect(throws: CheckpointError.tokenizerMismatch(tokenizerVocabulary: 1515, modelVocabulary: 1514)) {
      try CLIPEngine(directory: directory)
    }
  }

  /// A tokenizer allowed more than the model's 77 positions is held to 77.
  @Test func tokenizerIsTruncatedToTheContextLength() throws {
    let config = #"{"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "model_max_length": 1000}"#
    let directory = try tinyVariant(["tokenizer_config.json": Data(config.utf8)])
    defer { TestFixtures.remove(directory) }
    let engine = try CLIPEngine(directory: directory)
    #expect(engine.tokenizer.maxLength == 77)
    let long = try TestFixtures.inputs().texts[8]
    #expect(engine.tokenizer.encode(long) == (try TestFixtures.inputs().tokenIDs[8]))
  }
}

/// Slots written from concurrent calls.
private final class Results: @unchecked Sendable {
  private let lock = NSLock()
  private var slots: [[[Float]]]

  init(count: Int) { slots = Array(repeating: [], count: count) }

  func set(_ index: Int, _ value: [[Float]]) {
    lock.lock()
    slots[index] = value
    lock.unlock()
  }

  var all: [[[Float]]] {
    lock.lock()
    defer { lock.unlock() }
    return slots
  }
}
