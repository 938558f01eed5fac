/// The invariants every family's `config.json` must meet before its towers are built, with the error messages
/// they share.
public enum ConfigurationCheck {
  /// The sizes an encoder stack needs positive, keyed as `config.json` spells them under `prefix`.
  public static func encoderSizes(_ config: some EncoderConfiguration, prefix: String) -> [(String, Int)] {
    [("\(prefix).hidden_size", config.hiddenSize), ("\(prefix).intermediate_size", config.intermediateSize),
     ("\(prefix).num_hidden_layers", config.numHiddenLayers),
     ("\(prefix).num_attention_heads", config.numAttentionHeads)]
  }

  /// - Throws: `CheckpointError.invalidConfig` naming the first of `values` that is not positive.
  public static func positive(_ values: [(String, Int)]) throws {
    for (key, value) in values where value <= 0 {
      throw CheckpointError.invalidConfig(reason: "\(key) is \(value)")
    }
  }

  /// - Throws: `CheckpointError.invalidConfig` when the heads do not divide the tower's width.
  public static func headsDivideWidth(_ config: some EncoderConfiguration, tower: String) throws {
    if config.hiddenSize % config.numAttentionHeads != 0 {
      throw CheckpointError.invalidConfig(
        reason: "\(tower) hidden_size \(config.hiddenSize) is not a multiple of \(config.numAttentionHeads) heads")
    }
  }

  /// - Throws: `CheckpointError.invalidConfig` when patches do not tile the image (transformers' convolution would
  ///   silently drop the remainder; no checkpoint has one).
  public static func patchesTile(imageSize: Int, patchSize: Int) throws {
    if imageSize % patchSize != 0 {
      throw CheckpointError.invalidConfig(reason: "image_size \(imageSize) is not a multiple of patch_size \(patchSize)")
    }
  }
}
