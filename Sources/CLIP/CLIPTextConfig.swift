import Kernels
import Transformer

/// The text tower's configuration (`text_config` in `config.json`), with `transformers`' defaults, which are
/// openai/clip-vit-base-patch32's text tower.
public struct CLIPTextConfig: Equatable, Sendable {
  public var vocabSize = 49408
  public var hiddenSize = 512
  public var intermediateSize = 2048
  public var numHiddenLayers = 12
  public var numAttentionHeads = 8
  public var maxPositionEmbeddings = 77
  public var hiddenAct = Activation.quickGELU
  public var layerNormEps: Float = 1e-5
  public var bosTokenID = 49406
  public var eosTokenID = 49407
  public var padTokenID = 1

  public init() {}

  /// The position whose final hidden state is pooled, by the rule `CLIPTextModel` applies for this configuration.
  ///
  /// With the pre-2023 `eos_token_id == 2` it is the position of the largest id (the first one on ties, as
  /// `argmax`); otherwise the first occurrence of `eos_token_id`, or 0 when there is none (`argmax` of an
  /// all-false mask).
  public func pooledPosition(_ tokenIDs: [Int]) -> Int {
    precondition(!tokenIDs.isEmpty, "pooledPosition: empty sequence")
    if eosTokenID == 2 {
      var best = 0
      for (i, id) in tokenIDs.enumerated() where id > tokenIDs[best] { best = i }
      return best
    }
    return tokenIDs.firstIndex(of: eosTokenID) ?? 0
  }

  enum CodingKeys: String, CodingKey {
    case vocabSize = "vocab_size", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
    case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
    case maxPositionEmbeddings = "max_position_embeddings", hiddenAct = "hidden_act"
    case layerNormEps = "layer_norm_eps", bosTokenID = "bos_token_id", eosTokenID = "eos_token_id"
    case padTokenID = "pad_token_id"
  }
}

extension CLIPTextConfig: Decodable {
  /// Keys that are absent (or null) keep their default.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? vocabSize
    hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? hiddenSize
    intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? intermediateSize
    numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? numHiddenLayers
    numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? numAttentionHeads
    maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? maxPositionEmbeddings
    if let name = try c.decodeIfPresent(String.self, forKey: .hiddenAct) {
      hiddenAct = try Activation(configName: name)
    }
    layerNormEps = try c.decodeIfPresent(Float.self, forKey: .layerNormEps) ?? layerNormEps
    bosTokenID = try c.decodeIfPresent(Int.self, forKey: .bosTokenID) ?? bosTokenID
    eosTokenID = try c.decodeIfPresent(Int.self, forKey: .eosTokenID) ?? eosTokenID
    padTokenID = try c.decodeIfPresent(Int.self, forKey: .padTokenID) ?? padTokenID
  }
}

extension CLIPTextConfig: EncoderConfiguration {}
