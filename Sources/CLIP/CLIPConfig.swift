import Foundation
import Transformer

/// A CLIP checkpoint's `config.json` (`CLIPConfig` in `transformers`).
///
/// Absent keys take `transformers`' defaults. Older configs carry `text_config_dict` / `vision_config_dict`;
/// `CLIPConfig` builds a complete sub-config from such a dict (defaults for its absent keys) and lets every
/// one of its values override `text_config` / `vision_config`, so when a `*_dict` is present it alone decides.
public struct CLIPConfig: Equatable, Sendable {
  public var text = CLIPTextConfig()
  public var vision = CLIPVisionConfig()
  public var projectionDim = 512
  /// The initial value of the `logit_scale` parameter; the checkpoint's `logit_scale` tensor is what counts.
  public var logitScaleInitValue: Float = 2.6592

  public init() {}

  enum CodingKeys: String, CodingKey {
    case text = "text_config", textDict = "text_config_dict"
    case vision = "vision_config", visionDict = "vision_config_dict"
    case projectionDim = "projection_dim", logitScaleInitValue = "logit_scale_init_value"
  }

  /// Reads and checks `directory/config.json`.
  ///
  /// - Throws: `CheckpointError.unreadableFile`, `.invalidConfig` or
  ///   `.unsupportedActivation`.
  public init(directory: URL) throws {
    try self.init(json: CheckpointFile.contents("config.json", in: directory))
  }

  /// Decodes and checks a `config.json` document.
  public init(json: Data) throws {
    do {
      self = try JSONDecoder().decode(CLIPConfig.self, from: json)
    } catch let error as DecodingError {
      throw CheckpointError.invalidConfig(error)
    }
    try validate()
  }

  /// The invariants the model's construction relies on.
  func validate() throws {
    try ConfigurationCheck.positive(
      [("text_config.vocab_size", text.vocabSize)] + ConfigurationCheck.encoderSizes(text, prefix: "text_config")
        + [("text_config.max_position_embeddings", text.maxPositionEmbeddings)]
        + ConfigurationCheck.encoderSizes(vision, prefix: "vision_config")
        + [("vision_config.num_channels", vision.numChannels), ("vision_config.image_size", vision.imageSize),
           ("vision_config.patch_size", vision.patchSize), ("projection_dim", projectionDim)])
    try ConfigurationCheck.headsDivideWidth(text, tower: "text")
    try ConfigurationCheck.headsDivideWidth(vision, tower: "vision")
    try ConfigurationCheck.patchesTile(imageSize: vision.imageSize, patchSize: vision.patchSize)
  }
}

extension CLIPConfig: Decodable {
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    text = try c.decodeIfPresent(CLIPTextConfig.self, forKey: .textDict)
      ?? c.decodeIfPresent(CLIPTextConfig.self, forKey: .text) ?? text
    vision = try c.decodeIfPresent(CLIPVisionConfig.self, forKey: .visionDict)
      ?? c.decodeIfPresent(CLIPVisionConfig.self, forKey: .vision) ?? vision
    projectionDim = try c.decodeIfPresent(Int.self, forKey: .projectionDim) ?? projectionDim
    logitScaleInitValue = try c.decodeIfPresent(Float.self, forKey: .logitScaleInitValue) ?? logitScaleInitValue
  }
}
