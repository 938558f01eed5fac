import Dispatch
import Foundation
import ImageCodecs
import ImageProcessing
import Kernels
import Synchronization
import Tokenizer
import Transformer

/// A CLIP checkpoint directory ready to embed texts and images: the model, its tokenizer and its image
/// processor, loaded together from the Hub layout (`config.json`, `model.safetensors` or a sharded index,
/// `vocab.json` + `merges.txt` or `tokenizer.json`, `tokenizer_config.json`, `preprocessor_config.json`).
///
/// Immutable after loading; every method may be called from several threads at once.
public final class CLIPEngine: Sendable {
  /// The model.
  public let model: CLIPModel
  /// The tokenizer, truncating to the text model's context length.
  public let tokenizer: CLIPTokenizer
  /// The preprocessing of `preprocessor_config.json`.
  public let imageProcessor: CLIPImageProcessor
  /// A summary for clients.
  public let info: CLIPModelInfo

  /// Loads and cross-checks everything the directory holds.
  ///
  /// - Throws: `CheckpointError` (config, tensors, a tokenizer or preprocessor that does not fit the
  ///   model), `SafeTensorsError`, `TokenizerError`, `ImageProcessorConfigurationError` or the
  ///   `DecodingError` of a malformed `preprocessor_config.json`.
  /// - Parameter precision: how the encoder layers' linear weights are held (`.float32`: as stored, exact).
  public init(directory: URL, precision: LinearPrecision = .float32) throws {
    // The tokenizer's vocabulary and merges take a tenth of a second to parse: on another thread, meanwhile.
    let tokenizerLoad = TokenizerLoad()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) {
      tokenizerLoad.result = Result { try CLIPTokenizer(directory: directory) }
    }
    let loadedModel = Result { try CLIPModel(directory: directory, precision: precision) }
    group.wait()
    let model = try loadedModel.get()
    let text = model.config.text, vision = model.config.vision
    // transformers would fail on a longer text in the model; truncating to what the model can take is the
    // useful reading of a tokenizer_config.json without (or with a larger) model_max_length.
    let tokenizer = try tokenizerLoad.result!.get().truncating(to: text.maxPositionEmbeddings)
    guard tokenizer.vocabularySize <= text.vocabSize else {
      throw CheckpointError.tokenizerMismatch(tokenizerVocabulary: tokenizer.vocabularySize,
                                              modelVocabulary: text.vocabSize)
    }
    let preprocessor = directory.appendingPathComponent("preprocessor_config.json")
    guard FileManager.default.fileExists(atPath: preprocessor.path) else {
      throw CheckpointError.unreadableFile(path: preprocessor.path, reason: "no such file")
    }
    let imageProcessor = try CLIPImageProcessor(contentsOf: preprocessor)
    guard imageProcessor.outputWidth == vision.imageSize, imageProcessor.outputHeight == vision.imageSize else {
      throw CheckpointError.preprocessorMismatch(outputWidth: imageProcessor.outputWidth,
                                                 outputHeight: imageProcessor.outputHeight, imageSize: vision.imageSize)
    }
    self.model = model
    self.tokenizer = tokenizer
    self.imageProcessor = imageProcessor
    self.info = model.info
  }

  /// The projected, unnormalized embedding of each text (`get_text_features` of the tokenized texts).
  public func textEmbeddings(_ texts: [String]) -> [[Float]] {
    model.text.embed(tokenIDs: texts.map(tokenizer.encode))
  }

  /// The projected, unnormalized embedding of each image after `CLIPImageProcessor`.
  public func imageEmbeddings(_ images: [RGBImage]) -> [[Float]] {
    model.vision.embed(pixelTensors: images.map { imageProcessor($0) })
  }

  /// The projected, unnormalized embedding of each already processed pixel tensor
  /// (`[3, imageSize, imageSize]`, channel-first).
  public func imageEmbeddings(pixelTensors: [[Float]]) -> [[Float]] {
    model.vision.embed(pixelTensors: pixelTensors)
  }
}

/// The outcome of the tokenizer's load on another thread: written there once, read after `DispatchGroup.wait()`.
private final class TokenizerLoad: Sendable {
  private let outcome = Mutex<Result<CLIPTokenizer, any Error>?>(nil)

  var result: Result<CLIPTokenizer, any Error>? {
    get { outcome.withLock { $0 } }
    set { outcome.withLock { $0 = newValue } }
  }
}
