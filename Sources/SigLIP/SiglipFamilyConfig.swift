import Foundation
import Transformer

/// A SigLIP family's `config.json` (`SiglipConfig`, `Siglip2Config`): a text and a vision config under
/// `text_config` / `vision_config`, decoded with transformers' defaults for absent keys, then checked once.
protocol SiglipFamilyConfig: Decodable {
  associatedtype Vision: Decodable
  init()
  var text: SiglipTextConfig { get set }
  var vision: Vision { get set }
  /// The invariants the model's construction relies on.
  func validate() throws
}

enum SiglipFamilyConfigKeys: String, CodingKey {
  case text = "text_config", vision = "vision_config"
}

extension SiglipFamilyConfig {
  /// The towers' configs of `decoder`'s object, absent ones at their defaults.
  static func decodeTowers(from decoder: Decoder) throws -> Self {
    let c = try decoder.container(keyedBy: SiglipFamilyConfigKeys.self)
    var config = Self()
    config.text = try c.decodeIfPresent(SiglipTextConfig.self, forKey: .text) ?? config.text
    if let vision = try c.decodeIfPresent(Vision.self, forKey: .vision) { config.vision = vision }
    return config
  }

  /// Decodes and checks a `config.json` document.
  /// - Throws: `CheckpointError.invalidConfig` or `.unsupportedActivation`.
  static func checked(json: Data) throws -> Self {
    let config: Self
    do {
      config = try JSONDecoder().decode(Self.self, from: json)
    } catch let error as DecodingError {
      throw CheckpointError.invalidConfig(error)
    }
    try config.validate()
    return config
  }
}
