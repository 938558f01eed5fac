import Foundation
import Transformer

/// A SigLIP 2 NaFlex checkpoint's `config.json` (`Siglip2Config`, `model_type` siglip2). The text tower is SigLIP's
/// (`Siglip2TextConfig` has `SiglipTextConfig`'s fields and defaults). Absent keys take transformers' defaults;
/// `architectures` is not required.
public struct Siglip2Config: Equatable, Sendable {
  public var text = SiglipTextConfig()
  public var vision = Siglip2VisionConfig()

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
      self = try JSONDecoder().decode(Siglip2Config.self, from: json)
    } catch let error as DecodingError {
      throw CheckpointError.invalidConfig(error)
    }
    try validate()
  }

  /// The invariants the model's construction relies on.
  func validate() throws {
    try ConfigurationCheck.positive(
      ConfigurationCheck.encoderSizes(vision, prefix: "vision_config")
        + [("vision_config.num_channels", vision.numChannels), ("vision_config.patch_size", vision.patchSize),
           ("vision_config.num_patches", vision.numPatches)])
    try ConfigurationCheck.headsDivideWidth(vision, tower: "vision")
    guard vision.gridSize * vision.gridSize == vision.numPatches else {
      throw CheckpointError.invalidConfig(
        reason: "vision_config.num_patches \(vision.numPatches) is not a square: the position table is a square grid")
    }
    try SiglipConfig.validate(text: text, imageEmbeddingWidth: vision.hiddenSize, visionUseHead: vision.visionUseHead)
  }
}

extension Siglip2Config: Decodable {
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    text = try c.decodeIfPresent(SiglipTextConfig.self, forKey: .text) ?? text
    vision = try c.decodeIfPresent(Siglip2VisionConfig.self, forKey: .vision) ?? vision
  }
}
