import Kernels
import Transformer

/// SigLIP's text tower configuration (`text_config`), with `transformers`' `SiglipTextConfig` defaults.
public struct SiglipTextConfig: Equatable, Sendable, EncoderConfiguration {
  public var vocabSize = 32000
  public var hiddenSize = 768
  public var intermediateSize = 3072
  public var numHiddenLayers = 12
  public var numAttentionHeads = 12
  public var maxPositionEmbeddings = 64
  public var hiddenAct = Activation.geluTanh
  public var layerNormEps: Float = 1e-6
  /// Width of the text head's output; `hidden_size` when absent or null.
  public var projectionSize: Int?

  public init() {}

  /// The width of the text embeddings.
  public var embeddingDimension: Int { projectionSize ?? hiddenSize }

  enum CodingKeys: String, CodingKey {
    case vocabSize = "vocab_size", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
    case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
    case maxPositionEmbeddings = "max_position_embeddings", hiddenAct = "hidden_act"
    case layerNormEps = "layer_norm_eps", projectionSize = "projection_size"
  }
}

extension SiglipTextConfig: Decodable {
  /// Keys that are absent (or null) keep their default.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? vocabSize
    hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? hiddenSize
    intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? intermediateSize
    numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? numHiddenLayers
    numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? numAttentionHeads
    maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? maxPositionEmbeddings
    if let name = try c.decodeIfPresent(String.self, forKey: .hiddenAct) { hiddenAct = try Activation(configName: name) }
    layerNormEps = try c.decodeIfPresent(Float.self, forKey: .layerNormEps) ?? layerNormEps
    projectionSize = try c.decodeIfPresent(Int.self, forKey: .projectionSize)
  }
}
