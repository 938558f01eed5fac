import Kernels

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
    // channel-major, then row, then column: the order `patches(_:)` writes.
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
    let width = config.hiddenSize, tokens = config.tokenCount, patchCount = tokens - 1
    let patchEmbeds = linear(patches(pixelTensors), patchEmbedding)
    var x = Matrix(rows: pixelTensors.count * tokens, columns: width)
    for image in pixelTensors.indices {
      for token in 0..<tokens {
        let row = (image * tokens + token) * width
        for c in 0..<width {
          let embedding = token == 0
            ? classEmbedding[c] : patchEmbeds.scalars[(image * patchCount + token - 1) * width + c]
          x.scalars[row + c] = embedding + positionEmbedding[token * width + c]
        }
      }
    }
    let segments = pixelTensors.indices.map { $0 * tokens ..< ($0 + 1) * tokens }
    let pooled = encoder(preNorm(x), scope: .sequences(segments), outputs: segments.map(\.lowerBound))
    let projected = linear(postNorm(pooled), projection)
    return (0..<pixelTensors.count).map { Array(projected.row($0)) }
  }

  /// Every image's patches as rows (`im2col` for a stride-equals-kernel convolution), in the convolution's
  /// output order: patch rows top to bottom, patches left to right.
  func patches(_ pixelTensors: [[Float]]) -> Matrix {
    let size = config.imageSize, patch = config.patchSize, grid = config.gridSize, channels = config.numChannels
    let patchWidth = channels * patch * patch
    var result = Matrix(rows: pixelTensors.count * grid * grid, columns: patchWidth)
    for (image, pixels) in pixelTensors.enumerated() {
      precondition(pixels.count == pixelCount,
                   "embed: pixel tensor of \(pixels.count) values, expected [\(channels), \(size), \(size)]")
      for gy in 0..<grid {
        for gx in 0..<grid {
          var offset = ((image * grid + gy) * grid + gx) * patchWidth
          for c in 0..<channels {
            for py in 0..<patch {
              let source = (c * size + gy * patch + py) * size + gx * patch
              result.scalars.replaceSubrange(offset ..< offset + patch, with: pixels[source ..< source + patch])
              offset += patch
            }
          }
        }
      }
    }
    return result
  }
}
