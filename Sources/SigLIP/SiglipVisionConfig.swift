import Kernels
import Transformer

/// SigLIP's vision tower configuration (`vision_config`), with `transformers`' `SiglipVisionConfig` defaults
/// (google/siglip-base-patch16-224's).
public struct SiglipVisionConfig: Equatable, Sendable, EncoderConfiguration {
  public var hiddenSize = 768
  public var intermediateSize = 3072
  public var numHiddenLayers = 12
  public var numAttentionHeads = 12
  public var numChannels = 3
  public var imageSize = 224
  public var patchSize = 16
  public var hiddenAct = Activation.geluTanh
  public var layerNormEps: Float = 1e-6
  /// Whether the tower has its attention-pooling head; without it there is no image embedding.
  public var visionUseHead = true

  public init() {}

  /// Patches per side of the (square) input.
  public var gridSize: Int { imageSize / patchSize }
  /// Tokens per image: one per patch (no class token).
  public var tokenCount: Int { gridSize * gridSize }

  enum CodingKeys: String, CodingKey {
    case hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
    case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
    case numChannels = "num_channels", imageSize = "image_size", patchSize = "patch_size"
    case hiddenAct = "hidden_act", layerNormEps = "layer_norm_eps", visionUseHead = "vision_use_head"
  }
}

extension SiglipVisionConfig: Decodable {
  /// Keys that are absent (or null) keep their default.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? hiddenSize
    intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? intermediateSize
    numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? numHiddenLayers
    numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? numAttentionHeads
    numChannels = try c.decodeIfPresent(Int.self, forKey: .numChannels) ?? numChannels
    imageSize = try c.decodeIfPresent(Int.self, forKey: .imageSize) ?? imageSize
    patchSize = try c.decodeIfPresent(Int.self, forKey: .patchSize) ?? patchSize
    if let name = try c.decodeIfPresent(String.self, forKey: .hiddenAct) { hiddenAct = try Activation(configName: name) }
    layerNormEps = try c.decodeIfPresent(Float.self, forKey: .layerNormEps) ?? layerNormEps
    visionUseHead = try c.decodeIfPresent(Bool.self, forKey: .visionUseHead) ?? visionUseHead
  }
}
