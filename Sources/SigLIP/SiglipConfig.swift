import Foundation
import Transformer

/// A SigLIP checkpoint's `config.json` (`SiglipConfig`): `model_type` `siglip` (SigLIP, and SigLIP 2's
/// fixed-resolution checkpoints). Absent keys take `transformers`' defaults; `architectures` is not required.
public struct SiglipConfig: Equatable, Sendable {
  public var text = SiglipTextConfig()
  public var vision = SiglipVisionConfig()

  public init() {}

  enum CodingKeys: String, CodingKey {
    case text = "text_config", vision = "vision_config"
  }

  /// Reads and checks `directory/config.json`.
  /// - Throws: `CheckpointError.unreadableFile`, `.invalidConfig` or `.unsupportedActivation`.
  public init(directory: URL) throws {
    try self.init(json: CheckpointFile.contents("config.json", in: directory))
  }

  /// Decodes and checks a `config.json` document.
  public init(json: Data) throws {
    do {
      self = try JSONDecoder().decode(SiglipConfig.self, from: json)
    } catch let error as DecodingError {
      throw CheckpointError.invalidConfig(error)
    }
    try validate()
  }

  /// The invariants the model's construction relies on.
  func validate() throws {
    let positive: [(String, Int)] = [
      ("text_config.vocab_size", text.vocabSize), ("text_config.hidden_size", text.hiddenSize),
      ("text_config.intermediate_size", text.intermediateSize),
      ("text_config.num_hidden_layers", text.numHiddenLayers),
      ("text_config.num_attention_heads", text.numAttentionHeads),
      ("text_config.max_position_embeddings", text.maxPositionEmbeddings),
      ("text_config.projection_size", text.embeddingDimension),
      ("vision_config.hidden_size", vision.hiddenSize), ("vision_config.intermediate_size", vision.intermediateSize),
      ("vision_config.num_hidden_layers", vision.numHiddenLayers),
      ("vision_config.num_attention_heads", vision.numAttentionHeads),
      ("vision_config.num_channels", vision.numChannels), ("vision_config.image_size", vision.imageSize),
      ("vision_config.patch_size", vision.patchSize),
    ]
    for (key, value) in positive where value <= 0 {
      throw CheckpointError.invalidConfig(reason: "\(key) is \(value)")
    }
    for (tower, width, heads) in [("text", text.hiddenSize, text.numAttentionHeads),
                                  ("vision", vision.hiddenSize, vision.numAttentionHeads)] where width % heads != 0 {
      throw CheckpointError.invalidConfig(reason: "\(tower) hidden_size \(width) is not a multiple of \(heads) heads")
    }
    if vision.imageSize % vision.patchSize != 0 {
      throw CheckpointError.invalidConfig(
        reason: "image_size \(vision.imageSize) is not a multiple of patch_size \(vision.patchSize)")
    }
    guard vision.visionUseHead else {
      throw CheckpointError.invalidConfig(reason: "vision_use_head is false: the vision tower has no image embedding")
    }
    guard text.embeddingDimension == vision.hiddenSize else {
      throw CheckpointError.invalidConfig(
        reason: "text embeddings of \(text.embeddingDimension) cannot be compared with image embeddings of "
          + "\(vision.hiddenSize)")
    }
  }
}

extension SiglipConfig: Decodable {
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    text = try c.decodeIfPresent(SiglipTextConfig.self, forKey: .text) ?? text
    vision = try c.decodeIfPresent(SiglipVisionConfig.self, forKey: .vision) ?? vision
  }
}
