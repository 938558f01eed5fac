import Foundation
import Transformer

/// A SigLIP 2 NaFlex checkpoint's `config.json` (`Siglip2Config`, `model_type` siglip2). The text tower is SigLIP's
/// (`Siglip2TextConfig` has `SiglipTextConfig`'s fields and defaults). Absent keys take transformers' defaults;
/// `architectures` is not required.
public struct Siglip2Config: Equatable, Sendable {
  public var text = SiglipTextConfig()
  public var vision = Siglip2VisionConfig()

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
    let tower = vision.tower
    try ConfigurationCheck.positive(
      ConfigurationCheck.encoderSizes(tower, prefix: "vision_config")
        + [("vision_config.num_channels", tower.numChannels), ("vision_config.patch_size", tower.patchSize),
           ("vision_config.num_patches", vision.numPatches)])
    try ConfigurationCheck.headsDivideWidth(tower, tower: "vision")
    guard vision.gridSize * vision.gridSize == vision.numPatches else {
      throw CheckpointError.invalidConfig(
        reason: "vision_config.num_patches \(vision.numPatches) is not a square: the position table is a square grid")
    }
    try SiglipConfig.validate(text: text, imageEmbeddingWidth: tower.hiddenSize, visionUseHead: tower.visionUseHead)
  }
}

extension Siglip2Config: SiglipFamilyConfig {
  public init(from decoder: Decoder) throws {
    self = try Self.decodeTowers(from: decoder)
  }
}
