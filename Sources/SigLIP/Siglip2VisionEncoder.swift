import ImageProcessing
import Kernels
import Transformer

/// SigLIP 2 NaFlex's vision tower: each image's patches in, `image_embeds` out (`Siglip2Model.get_image_features`):
/// a linear patch embedding of the flattened patches, plus the position table resized to the image's patch grid,
/// then SigLIP's encoder, post layer norm and attention-pooling head over the image's real patches.
///
/// transformers pads every image to `max_num_patches` and masks the padding from every key (the encoder's
/// bidirectional mask and the head's `key_padding_mask`); the padded rows reach no real row, so only the real
/// patches are computed here.
public struct Siglip2VisionEncoder: Sendable {
  /// The tower's configuration.
  public let config: Siglip2VisionConfig
  /// `nn.Linear(num_channels · patch², hidden_size)` over patches flattened (y, x, channel).
  let patchEmbedding: LinearWeights
  let positions: NaFlexPositionEmbedding
  let trunk: SiglipVisionTrunk

  /// Width of the embeddings.
  public var embeddingDimension: Int { config.tower.hiddenSize }

  init(_ store: inout WeightStore, config: Siglip2VisionConfig) throws {
    let width = config.tower.hiddenSize, patch = config.tower.patchSize
    self.config = config
    patchEmbedding = try store.linear("vision_model.embeddings.patch_embedding", out: width,
                                      in: config.tower.numChannels * patch * patch)
    positions = NaFlexPositionEmbedding(
      grid: config.gridSize, width: width,
      table: try store.tensor("vision_model.embeddings.position_embedding.weight", shape: [config.numPatches, width]))
    trunk = try SiglipVisionTrunk(&store, config: config.tower)
  }

  /// The embedding of each image.
  /// - Precondition: each image has at least one patch of `num_channels · patch_size²` values.
  public func embed(_ images: [ImagePatches]) -> [[Float]] {
    guard !images.isEmpty else { return [] }
    let tower = config.tower
    let patchValues = tower.numChannels * tower.patchSize * tower.patchSize, width = tower.hiddenSize
    var rows: [Range<Int>] = []
    var values: [Float] = []
    for image in images {
      precondition(image.count > 0 && image.values.count == image.count * patchValues,
                   "embed: \(image.values.count) values for \(image.rows)×\(image.columns) patches of \(patchValues)")
      let start = rows.last?.upperBound ?? 0
      rows.append(start ..< start + image.count)
      values += image.values
    }
    var x = linear(Matrix(rows: rows.last!.upperBound, columns: patchValues, scalars: values), patchEmbedding)
    for (image, range) in zip(images, rows) {
      let added = positions.resized(rows: image.rows, columns: image.columns), base = range.lowerBound * width
      for i in added.indices { x.scalars[base + i] += added[i] }
    }
    return trunk(x, images: rows)
  }
}
