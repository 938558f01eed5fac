import Kernels
import Transformer

/// SigLIP 2 NaFlex's vision tower configuration (`vision_config` of `model_type` siglip2), with transformers'
/// `Siglip2VisionConfig` defaults (google/siglip2-base-patch16-naflex's). No `image_size`: images keep their
/// aspect ratio; `num_patches` is the size of the learned position table, a square grid resized per image.
public struct Siglip2VisionConfig: Equatable, Sendable, EncoderConfiguration {
  public var hiddenSize = 768
  public var intermediateSize = 3072
  public var numHiddenLayers = 12
  public var numAttentionHeads = 12
  public var numChannels = 3
  public var patchSize = 16
  public var hiddenAct = Activation.geluTanh
  public var layerNormEps: Float = 1e-6
  /// Whether the tower has its attention-pooling head; without it there is no image embedding.
  public var visionUseHead = true
  /// Rows of the position table: `grid × grid`.
  public var numPatches = 256

  public init() {}

  /// Positions per side of the position table (transformers' `int(num_patches ** 0.5)`).
  public var gridSize: Int { integerSquareRoot(numPatches) }

  enum CodingKeys: String, CodingKey {
    case hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
    case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
    case numChannels = "num_channels", patchSize = "patch_size", numPatches = "num_patches"
    case hiddenAct = "hidden_act", layerNormEps = "layer_norm_eps", visionUseHead = "vision_use_head"
  }
}

extension Siglip2VisionConfig: Decodable {
  /// Keys that are absent (or null) keep their default.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? hiddenSize
    intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? intermediateSize
    numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? numHiddenLayers
    numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? numAttentionHeads
    numChannels = try c.decodeIfPresent(Int.self, forKey: .numChannels) ?? numChannels
    patchSize = try c.decodeIfPresent(Int.self, forKey: .patchSize) ?? patchSize
    numPatches = try c.decodeIfPresent(Int.self, forKey: .numPatches) ?? numPatches
    if let name = try c.decodeIfPresent(String.self, forKey: .hiddenAct) { hiddenAct = try Activation(configName: name) }
    layerNormEps = try c.decodeIfPresent(Float.self, forKey: .layerNormEps) ?? layerNormEps
    visionUseHead = try c.decodeIfPresent(Bool.self, forKey: .visionUseHead) ?? visionUseHead
  }
}

/// ⌊√n⌋ exactly, for n ≥ 0 (Python's `int(n ** 0.5)` for every n a config holds).
func integerSquareRoot(_ n: Int) -> Int {
  var side = Int(Double(n).squareRoot())
  while side * side > n { side -= 1 }
  while (side + 1) * (side + 1) <= n { side += 1 }
  return side
}
