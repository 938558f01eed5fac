import Kernels
import Transformer

/// SigLIP's vision tower: normalized pixel tensors in, `image_embeds` out (`SiglipModel.get_image_features`):
/// patch embedding (a convolution with bias) plus one learned position row per patch (no class token), the
/// encoder, the post layer norm over every token, then the attention-pooling head. No projection follows.
public struct SiglipVisionEncoder: Sendable {
  /// The tower's configuration.
  public let config: SiglipVisionConfig
  /// The patch convolution (stride = kernel = patch) as a linear map of flattened patches.
  let patchEmbedding: LinearWeights
  let positionEmbedding: [Float]
  let trunk: SiglipVisionTrunk

  /// Width of the embeddings.
  public var embeddingDimension: Int { config.hiddenSize }

  init(_ store: inout WeightStore, config: SiglipVisionConfig) throws {
    let width = config.hiddenSize, patch = config.patchSize
    self.config = config
    patchEmbedding = try store.linear("vision_model.embeddings.patch_embedding", out: width,
                                      in: config.numChannels * patch * patch,
                                      weightShape: [width, config.numChannels, patch, patch])
    positionEmbedding = try store.tensor("vision_model.embeddings.position_embedding.weight",
                                         shape: [config.tokenCount, width])
    trunk = try SiglipVisionTrunk(&store, config: config)
  }

  /// The embedding of each image.
  /// - Precondition: each tensor is `[num_channels, image_size, image_size]` row-major (CHW).
  public func embed(pixelTensors: [[Float]]) -> [[Float]] {
    guard !pixelTensors.isEmpty else { return [] }
    let tokens = config.tokenCount, width = config.hiddenSize
    let patches = patchRows(of: pixelTensors, channels: config.numChannels, size: config.imageSize,
                            patch: config.patchSize)
    var x = linear(patches, patchEmbedding)
    let imageScalars = tokens * width
    for image in pixelTensors.indices {
      let base = image * imageScalars
      for i in 0..<imageScalars { x.scalars[base + i] += positionEmbedding[i] }
    }
    return trunk(x, images: pixelTensors.indices.map { $0 * tokens ..< ($0 + 1) * tokens })
  }
}
