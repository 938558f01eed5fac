import Foundation
import ImageCodecs
import ImageProcessing
import Kernels
import Tokenizer
import Transformer

/// A SigLIP checkpoint directory ready to embed texts and images as the zero-shot pipeline does: the model, its
/// tokenizer and `SiglipImageProcessor` (a straight resize to the square, no crop).
///
/// Texts are tokenized as the pipeline tokenizes them for any `siglip` model: `padding="max_length"`,
/// `max_length=64`, `truncation=True`, and no attention mask, so the padding is part of what the model sees.
/// Immutable after loading; every method may be called from several threads at once.
public final class SiglipEngine: Sendable {
  /// The pipeline's text length for SigLIP.
  public static let textLength = SiglipTextPipeline.length

  public let model: SiglipModel
  /// The texts as the pipeline gives them to the model.
  public let text: SiglipTextPipeline
  public let imageProcessor: CLIPImageProcessor

  public var tokenizer: any TextTokenizer { text.tokenizer }
  /// Where the padding goes and whether it is masked, as the checkpoint's tokenizer files say.
  public var layout: PipelineTextLayout { text.layout }

  /// Loads the model and the processor of `directory`, with `tokenizer` (truncating to `textLength`).
  ///
  /// - Throws: `CheckpointError` for a configuration, tensors, a tokenizer or a processor that do not fit, and
  ///   the errors of the files' readers.
  public init(directory: URL, tokenizer: any TextTokenizer, precision: LinearPrecision = .float32) throws {
    let model = try SiglipModel(directory: directory, precision: precision)
    let vision = model.config.vision
    let text = try SiglipTextPipeline(directory: directory, tokenizer: tokenizer, encoder: model.text)
    let preprocessor = directory.appendingPathComponent("preprocessor_config.json")
    guard FileManager.default.fileExists(atPath: preprocessor.path) else {
      throw CheckpointError.unreadableFile(path: preprocessor.path, reason: "no such file")
    }
    let imageProcessor = try CLIPImageProcessor(contentsOf: preprocessor, defaults: .siglip)
    guard imageProcessor.outputWidth == vision.imageSize, imageProcessor.outputHeight == vision.imageSize else {
      throw CheckpointError.preprocessorMismatch(outputWidth: imageProcessor.outputWidth,
                                                 outputHeight: imageProcessor.outputHeight, imageSize: vision.imageSize)
    }
    self.model = model
    self.text = text
    self.imageProcessor = imageProcessor
  }

  /// The ids the pipeline gives the model for `text`: truncated, then padded to `textLength`.
  public func tokenIDs(_ text: String) -> [Int] { self.text.tokenIDs(text) }

  /// The embedding of each text (`get_text_features` of the pipeline's ids and mask), not normalized.
  public func textEmbeddings(_ texts: [String]) -> [[Float]] { text.embeddings(texts) }

  /// The embedding of each image after `SiglipImageProcessor`, not normalized.
  public func imageEmbeddings(_ images: [RGBImage]) -> [[Float]] {
    model.vision.embed(pixelTensors: images.map { imageProcessor($0) })
  }
}
