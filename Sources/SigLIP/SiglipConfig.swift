import Foundation
import Transformer

/// A SigLIP checkpoint's `config.json` (`SiglipConfig`): `model_type` `siglip` (SigLIP, and SigLIP 2's
/// fixed-resolution checkpoints). Absent keys take `transformers`' defaults; `architectures` is not required.
public struct SiglipConfig: Equatable, Sendable {
  public var text = SiglipTextConfig()
  public var vision = SiglipVisionConfig()

  public init() {}

  /// Reads and checks `directory/config.json`.
  /// - Throws: `CheckpointError.unreadableFile`, `.invalidConfig` or `.unsupportedActivation`.
  public init(directory: URL) throws {
    try self.init(json: CheckpointFile.contents("config.json", in: directory))
  }

  /// Decodes and checks a `config.json` document.
  public init(json: Data) throws {
    self = try Self.checked(json: json)
  }

  /// The invariants the model's construction relies on.
  func validate() throws {
    try ConfigurationCheck.positive(
      ConfigurationCheck.encoderSizes(vision, prefix: "vision_config")
        + [("vision_config.num_channels", vision.numChannels), ("vision_config.image_size", vision.imageSize),
           ("vision_config.patch_size", vision.patchSize)])
    try ConfigurationCheck.headsDivideWidth(vision, tower: "vision")
    try ConfigurationCheck.patchesTile(imageSize: vision.imageSize, patchSize: vision.patchSize)
    try Self.validate(text: text, imageEmbeddingWidth: vision.hiddenSize, visionUseHead: vision.visionUseHead)
  }

  /// The text tower's invariants, and those between the towers, of every SigLIP family (SigLIP 2 NaFlex too).
  static func validate(text: SiglipTextConfig, imageEmbeddingWidth: Int, visionUseHead: Bool) throws {
    try ConfigurationCheck.positive(
      [("text_config.vocab_size", text.vocabSize)] + ConfigurationCheck.encoderSizes(text, prefix: "text_config")
        + [("text_config.max_position_embeddings", text.maxPositionEmbeddings),
           ("text_config.projection_size", text.embeddingDimension)])
    try ConfigurationCheck.headsDivideWidth(text, tower: "text")
    guard visionUseHead else {
      throw CheckpointError.invalidConfig(reason: "vision_use_head is false: the vision tower has no image embedding")
    }
    guard text.embeddingDimension == imageEmbeddingWidth else {
      throw CheckpointError.invalidConfig(
        reason: "text embeddings of \(text.embeddingDimension) cannot be compared with image embeddings of "
          + "\(imageEmbeddingWidth)")
    }
  }
}

extension SiglipConfig: SiglipFamilyConfig {
  public init(from decoder: Decoder) throws {
    self = try Self.decodeTowers(from: decoder)
  }
}
