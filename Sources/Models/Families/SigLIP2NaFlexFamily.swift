import Foundation
import Hub
import ImageCodecs
import SigLIP
import Tokenizer

extension ModelFamily {
  /// Google's SigLIP 2 NaFlex (`model_type` siglip2, `Siglip2Model`): SigLIP's text tower with the Gemma tokenizer
  /// (`Siglip2Tokenizer`: lower-cased), texts padded to 64 ids as the pipeline pads them, `Siglip2ImageProcessor`
  /// (aspect ratio kept, at most `max_num_patches` patches), sigmoid scores with the learned bias.
  public static let siglip2 = ModelFamily(
    name: "siglip2", modelTypes: ["siglip2"],
    files: CheckpointFileSet(
      required: [.init(file: "preprocessor_config.json"), .init(file: "tokenizer.json")],
      optional: ["tokenizer_config.json", "special_tokens_map.json"]),
    load: { directory, precision in
      try Siglip2Engine(
        directory: directory, tokenizer: TokenizerLoader.load(directory, maxLength: SiglipTextPipeline.length),
        precision: precision)
    })
}

extension Siglip2Engine: EmbeddingModel {
  public var properties: ModelProperties {
    ModelProperties(
      family: ModelFamily.siglip2.name, embeddingDimension: model.vision.embeddingDimension,
      imageSize: nominalImageSize, contextLength: SiglipTextPipeline.length, dtype: model.dtype,
      precision: model.precision.rawValue)
  }

  public var scoring: ZeroShotScoring { .sigmoid(logitScale: model.logitScale, logitBias: model.logitBias) }
}
