import CLIP
import Foundation
import Hub
import ImageCodecs

extension ModelFamily {
  /// OpenAI's CLIP and every `CLIPModel` checkpoint (LAION, MetaCLIP, ...): BPE tokenizer, `CLIPImageProcessor`,
  /// softmax scores.
  public static let clip = ModelFamily(
    name: "clip", modelTypes: ["clip"],
    files: CheckpointFileSet(
      required: [
        .init(file: "preprocessor_config.json"),
        .init(name: "tokenizer.json (or vocab.json and merges.txt)",
              alternatives: [["tokenizer.json"], ["vocab.json", "merges.txt"]]),
      ],
      optional: ["tokenizer_config.json", "special_tokens_map.json"]),
    load: { directory, precision in try CLIPEngine(directory: directory, precision: precision) })
}

extension CLIPEngine: EmbeddingModel {
  public var properties: ModelProperties {
    ModelProperties(
      family: ModelFamily.clip.name, embeddingDimension: info.embeddingDimension, imageSize: info.imageSize, contextLength: info.contextLength,
      dtype: info.dtype, precision: model.precision.rawValue)
  }

  public var scoring: ZeroShotScoring { .softmax(logitScale: info.logitScale) }
}
