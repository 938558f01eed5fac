import Foundation
import Hub
import ImageCodecs
import SigLIP
import Tokenizer

extension ModelFamily {
  /// Google's SigLIP (`model_type` `siglip`), which includes SigLIP 2's fixed-resolution checkpoints with their
  /// Gemma tokenizer: texts padded to 64 ids as the pipeline pads them, `SiglipImageProcessor`, sigmoid scores
  /// with the learned bias.
  public static let siglip = ModelFamily(
    name: "siglip", modelTypes: ["siglip"],
    files: CheckpointFileSet(
      required: [
        .init(file: "preprocessor_config.json"),
        .init(name: "spiece.model (or tokenizer.json)", alternatives: [["spiece.model"], ["tokenizer.json"]]),
      ],
      optional: ["tokenizer_config.json", "special_tokens_map.json"]),
    load: { directory, precision in
      try SiglipEngine(
        directory: directory, tokenizer: TokenizerLoader.load(directory, maxLength: SiglipEngine.textLength),
        precision: precision)
    })
}

extension SiglipEngine: EmbeddingModel {
  public var properties: ModelProperties {
    ModelProperties(
      family: ModelFamily.siglip.name, embeddingDimension: model.vision.embeddingDimension, imageSize: model.config.vision.imageSize,
      contextLength: Self.textLength, dtype: model.dtype, precision: model.precision.rawValue)
  }

  public var scoring: ZeroShotScoring { .sigmoid(logitScale: model.logitScale, logitBias: model.logitBias) }
}
