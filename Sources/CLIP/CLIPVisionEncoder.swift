import Kernels
import Transformer

/// The vision tower with its projection: normalized pixel tensors in, `image_embeds` out
/// (`CLIPModel.get_image_features`).
public struct CLIPVisionEncoder: Sendable {
  /// The tower's configuration.
  public let config: CLIPVisionConfig
  /// The patch convolution (stride = kernel = patch, no bias) as a linear map of flattened patches.
  let patchEmbedding: LinearWeights
  let classEmbedding: [Float]
  let positionEmbedding: [Float]
  let preNorm: LayerNorm
  let encoder: Encoder
  let postNorm: LayerNorm
  let projection: LinearWeights

  /// Width of the projected embeddings.
  public var embeddingDimension: Int { projection.outFeatures }
  /// Elements of one input tensor: `num_channels × image_size × image_size`.
  public var pixelCount: Int { config.numChannels * config.imageSize * config.imageSize }

  init(_ store: inout WeightStore, config: CLIPVisionConfig, projectionDim: Int) throws {
    let width = config.hiddenSize, patch = config.patchSize
    self.config = config
    // A Conv2d weight [out, channels, patch, patch] is, row by row, a linear weight over patches flattened
    // channel-major, then row, then column: the order `patchRows(of:channels:size:patch:)` writes.
    patchEmbedding = try store.linear("vision_model.embeddings.patch_embedding", out: width,
                                      in: config.numChannels * patch * patch, bias: false,
                                      weightShape: [width, config.numChannels, patch, patch])
    classEmbedding = try store.tensor("vision_model.embeddings.class_embedding", shape: [width])
    positionEmbedding = try store.tensor("vision_model.embeddings.position_embedding.weight",
                                         shape: [config.tokenCount, width])
    preNorm = try LayerNorm(&store, "vision_model.pre_layrnorm", width: width, epsilon: config.layerNormEps)
    encoder = try Encoder(&store, "vision_model.encoder", config: config)
    postNorm = try LayerNorm(&store, "vision_model.post_layernorm", width: width, epsilon: config.layerNormEps)
    projection = try store.linear("visual_projection", out: projectionDim, in: width, bias: false)
  }

  /// The projected, unnormalized embedding of each image.
  ///
  /// - Precondition: each tensor is `[num_channels, image_size, image_size]` row-major (CHW), as
  ///   `CLIPImageProcessor` outputs it.
  public func embed(pixelTensors: [[Float]]) -> [[Float]] {
    guard !pixelTensors.isEmpty else { return [] }
    let tokens = config.tokenCount
    let patches = patchRows(of: pixelTensors, channels: config.numChannels, size: config.imageSize,
                            patch: config.patchSize)
    let patchEmbeds = linear(patches, patchEmbedding)
    let x = patchEmbeds.prependingRow(classEmbedding, toGroupsOf: tokens - 1, adding: positionEmbedding)
    let segments = pixelTensors.indices.map { $0 * tokens ..< ($0 + 1) * tokens }
    let pooled = encoder(preNorm(x), scope: .sequences(segments), outputs: segments.map(\.lowerBound))
    let projected = linear(postNorm(pooled), projection)
    return (0..<pixelTensors.count).map { Array(projected.row($0)) }
  }
}
