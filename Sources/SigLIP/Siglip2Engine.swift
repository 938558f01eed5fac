import Foundation
import ImageCodecs
import ImageProcessing
import Kernels
import Tokenizer
import Transformer

/// A SigLIP 2 NaFlex checkpoint directory (`model_type` siglip2) ready to embed texts and images as the zero-shot
/// pipeline does: the model, its tokenizer (the texts as for every `siglip*` model) and `Siglip2ImageProcessor`
/// (each image at its own aspect ratio, in at most `max_num_patches` patches).
///
/// The pipeline calls the processor with no arguments, so `max_num_patches` is the file's (else 256).
/// Immutable after loading; every method may be called from several threads at once.
public final class Siglip2Engine: Sendable {
  public let model: Siglip2Model
  /// The texts as the pipeline gives them to the model.
  public let text: SiglipTextPipeline
  public let imageProcessor: NaFlexImageProcessor

  /// Loads the model and the processor of `directory`, with `tokenizer` (truncating to `SiglipTextPipeline.length`).
  ///
  /// - Throws: `CheckpointError` for a configuration, tensors, a tokenizer or a processor that do not fit, and
  ///   the errors of the files' readers.
  public init(directory: URL, tokenizer: any TextTokenizer, precision: LinearPrecision = .float32) throws {
    let model = try Siglip2Model(directory: directory, precision: precision)
    let text = try SiglipTextPipeline(directory: directory, tokenizer: tokenizer, encoder: model.text)
    let preprocessor = directory.appendingPathComponent("preprocessor_config.json")
    guard FileManager.default.fileExists(atPath: preprocessor.path) else {
      throw CheckpointError.unreadableFile(path: preprocessor.path, reason: "no such file")
    }
    let imageProcessor = try NaFlexImageProcessor(contentsOf: preprocessor)
    guard imageProcessor.configuration.patchSize == model.config.vision.tower.patchSize else {
      throw CheckpointError.invalidConfig(
        reason: "preprocessor_config.json cuts patches of \(imageProcessor.configuration.patchSize) pixels; the vision "
          + "model takes \(model.config.vision.tower.patchSize)")
    }
    self.model = model
    self.text = text
    self.imageProcessor = imageProcessor
  }

  /// The side of a square image at the most patches: `patch_size × ⌊√max_num_patches⌋` (256 for base/16 at 256
  /// patches). Images keep their own aspect ratio; this is the nominal size `initialize` reports.
  public var nominalImageSize: Int {
    integerSquareRoot(imageProcessor.configuration.maxNumPatches) * imageProcessor.configuration.patchSize
  }

  /// The embedding of each text (`get_text_features` of the pipeline's ids and mask), not normalized.
  public func textEmbeddings(_ texts: [String]) -> [[Float]] { text.embeddings(texts) }

  /// The embedding of each image after `Siglip2ImageProcessor`, not normalized.
  public func imageEmbeddings(_ images: [RGBImage]) -> [[Float]] {
    model.vision.embed(images.map { imageProcessor($0) })
  }
}
