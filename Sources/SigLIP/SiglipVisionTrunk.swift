import Kernels
import Transformer

/// What every SigLIP vision tower does after its embeddings (`SiglipVisionTransformer` and
/// `Siglip2VisionTransformer` past `embeddings`): the encoder, the post layer norm over every token, then the
/// attention-pooling head, one embedding per image. No projection follows.
///
/// Each image is its own range of rows and attends only to itself: for NaFlex that is the padding mask
/// (`pixel_attention_mask`), whose padded patches no real patch and no probe sees.
struct SiglipVisionTrunk: Sendable {
  let encoder: Encoder
  let postNorm: LayerNorm
  let head: AttentionPoolingHead

  /// Binds `vision_model.encoder`, `vision_model.post_layernorm` and `vision_model.head`.
  init(_ store: inout WeightStore, config: some EncoderConfiguration) throws {
    let width = config.hiddenSize
    encoder = try Encoder(&store, "vision_model.encoder", config: config)
    postNorm = try LayerNorm(&store, "vision_model.post_layernorm", width: width, epsilon: config.layerNormEps)
    head = try AttentionPoolingHead(
      &store, "vision_model.head", width: width, intermediate: config.intermediateSize,
      heads: config.numAttentionHeads, activation: config.hiddenAct, epsilon: config.layerNormEps)
  }

  /// The embedding of each image, from the embedded tokens `x` whose rows `images` are each one image's.
  func callAsFunction(_ x: Matrix, images: [Range<Int>]) -> [[Float]] {
    let pooled = head(postNorm(encoder(x, scope: .sequences(images))), sequences: images)
    return (0..<images.count).map { Array(pooled.row($0)) }
  }
}
