import Foundation
import Kernels
import Testing
import CLIP
import Models
@testable import Transformer

/// `config.json` decoding: transformers' defaults, the `*_config_dict` override, and refusals.
@Suite(.timeLimit(.minutes(5))) struct CLIPConfigTests {
  private func config(_ json: String) throws -> CLIPConfig { try CLIPConfig(json: Data(json.utf8)) }

  /// An empty config is openai/clip-vit-base-patch32, as `CLIPConfig()` is.
  @Test func absentKeysTakeTransformersDefaults() throws {
    let c = try config("{}")
    #expect(c == CLIPConfig())
    #expect(c.projectionDim == 512 && c.logitScaleInitValue == 2.6592)
    #expect(c.text.vocabSize == 49408 && c.text.hiddenSize == 512 && c.text.intermediateSize == 2048)
    #expect(c.text.numHiddenLayers == 12 && c.text.numAttentionHeads == 8 && c.text.maxPositionEmbeddings == 77)
    #expect(c.text.hiddenAct == .quickGELU && c.text.layerNormEps == 1e-5)
    #expect(c.text.bosTokenID == 49406 && c.text.eosTokenID == 49407 && c.text.padTokenID == 1)
    #expect(c.vision.hiddenSize == 768 && c.vision.intermediateSize == 3072 && c.vision.numHiddenLayers == 12)
    #expect(c.vision.numAttentionHeads == 12 && c.vision.imageSize == 224 && c.vision.patchSize == 32)
    #expect(c.vision.hiddenAct == .quickGELU && c.vision.tokenCount == 50)
  }

  @Test func readsPresentKeysAndNulls() throws {
    let c = try config("""
      {"model_type": "clip", "projection_dim": 768, "text_config": {"hidden_size": 768, "hidden_act": "gelu",
       "eos_token_id": 2, "layer_norm_eps": null}, "vision_config": {"patch_size": 14, "image_size": 336},
       "text_config_dict": null}
      """)
    #expect(c.projectionDim == 768 && c.text.hiddenSize == 768 && c.text.hiddenAct == .gelu)
    #expect(c.text.eosTokenID == 2 && c.text.layerNormEps == 1e-5)
    #expect(c.vision.patchSize == 14 && c.vision.imageSize == 336 && c.vision.tokenCount == 577)
  }

  /// `text_config_dict` is completed with defaults and then overrides `text_config` key by key, so a value
  /// only in `text_config` is lost (as in transformers' CLIPConfig).
  @Test func configDictOverridesConfig() throws {
    let c = try config("""
      {"text_config": {"hidden_size": 16, "layer_norm_eps": 0.5, "vocab_size": 99},
       "text_config_dict": {"vocab_size": 1000},
       "vision_config": {"patch_size": 4}, "vision_config_dict": {"hidden_size": 64, "num_attention_heads": 4}}
      """)
    #expect(c.text.vocabSize == 1000 && c.text.hiddenSize == 512 && c.text.layerNormEps == 1e-5)
    #expect(c.vision.hiddenSize == 64 && c.vision.patchSize == 32)
  }

  @Test func activationsByName() throws {
    #expect(try config(#"{"text_config": {"hidden_act": "gelu_new"}}"#).text.hiddenAct == .geluTanh)
    #expect(try config(#"{"vision_config": {"hidden_act": "gelu_pytorch_tanh"}}"#).vision.hiddenAct == .geluTanh)
    #expect(throws: CheckpointError.unsupportedActivation("relu")) {
      try config(#"{"vision_config": {"hidden_act": "relu"}}"#)
    }
  }

  @Test func inconsistentShapesAreRefused() {
    #expect(throws: CheckpointError.invalidConfig(reason: "text hidden_size 500 is not a multiple of 8 heads")) {
      try config(#"{"text_config": {"hidden_size": 500}}"#)
    }
    #expect(throws: CheckpointError.invalidConfig(reason: "image_size 225 is not a multiple of patch_size 32")) {
      try config(#"{"vision_config": {"image_size": 225}}"#)
    }
    #expect(throws: CheckpointError.invalidConfig(reason: "vision_config.num_hidden_layers is 0")) {
      try config(#"{"vision_config": {"num_hidden_layers": 0}}"#)
    }
  }

  @Test func malformedJSONIsInvalid() {
    for json in ["{", #"{"projection_dim": "big"}"#, #"{"text_config": {"eos_token_id": [2, 3]}}"#] {
      #expect {
        try config(json)
      } throws: { error in
        guard case .invalidConfig = error as? CheckpointError else { return false }
        return true
      }
    }
  }

  /// The pooling rule `CLIPTextModel` applies: argmax of ids for `eos_token_id == 2`, else the first end token.
  @Test func pooledPositionFollowsTransformers() {
    var legacy = CLIPTextConfig()
    legacy.eosTokenID = 2
    #expect(legacy.pooledPosition([49406, 2, 320, 49407, 49407]) == 3)
    #expect(legacy.pooledPosition([5, 9, 9, 1]) == 1)
    let current = CLIPTextConfig()
    #expect(current.pooledPosition([49406, 320, 49407, 49407]) == 2)
    #expect(current.pooledPosition([49406, 320, 1]) == 0)
  }
}
