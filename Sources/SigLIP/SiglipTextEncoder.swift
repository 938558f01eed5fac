import Kernels
import Transformer

/// SigLIP's text tower with its head: token ids in, `text_embeds` out (`SiglipModel.get_text_features`).
///
/// No causal mask. With google/siglip-* tokenizers the pipeline passes no attention mask either: every token
/// (padding included) sees every token of its sequence; others get the padding masked (`keys`). The embedding is
/// the last position's state, which may be padding. So sequences are computed whole, each on its own (beginnings
/// cannot be shared as under a causal mask).
public struct SiglipTextEncoder: Sendable {
  /// The tower's configuration.
  public let config: SiglipTextConfig
  let tokenEmbedding: EmbeddingTable
  let positionEmbedding: [Float]
  let encoder: Encoder
  let finalNorm: LayerNorm
  let head: LinearWeights

  /// Width of the embeddings.
  public var embeddingDimension: Int { head.outFeatures }

  init(_ store: inout WeightStore, config: SiglipTextConfig) throws {
    let width = config.hiddenSize
    self.config = config
    positionEmbedding = try store.tensor(
      "text_model.embeddings.position_embedding.weight", shape: [config.maxPositionEmbeddings, width])
    encoder = try Encoder(&store, "text_model.encoder", config: config)
    // After the encoder: the table keeps the channels its layer norms amplify exact.
    tokenEmbedding = try store.table("text_model.embeddings.token_embedding.weight", rows: config.vocabSize,
                                     width: width, exact: encoder.outlierChannels)
    finalNorm = try LayerNorm(&store, "text_model.final_layer_norm", width: width, epsilon: config.layerNormEps)
    head = try store.linear("text_model.head", out: config.embeddingDimension, in: width)
  }

  /// The embedding of each sequence (one row of `get_text_features` each), from its ids as given: padded, as
  /// the pipeline pads them, or not; with `keys`, each sequence's tokens attend only to those positions (the
  /// attention mask's ones).
  /// - Precondition: each sequence is non-empty, at most `max_position_embeddings` long, its ids below `vocab_size`;
  ///   each of `keys` a non-empty range of its sequence's positions.
  public func embed(tokenIDs batch: [[Int]], keys: [Range<Int>]? = nil) -> [[Float]] {
    guard !batch.isEmpty else { return [] }
    let width = config.hiddenSize
    var segments: [Range<Int>] = []
    for ids in batch {
      precondition(!ids.isEmpty && ids.count <= config.maxPositionEmbeddings,
                   "embed: \(ids.count) ids for \(config.maxPositionEmbeddings) positions")
      let start = segments.last?.upperBound ?? 0
      segments.append(start ..< start + ids.count)
    }
    var x = Matrix(rows: segments.last!.upperBound, columns: width)
    for (ids, segment) in zip(batch, segments) {
      for (position, id) in ids.enumerated() {
        precondition(id >= 0 && id < config.vocabSize, "embed: token id \(id) outside vocabulary of \(config.vocabSize)")
        let embedding = tokenEmbedding.row(id), row = segment.lowerBound + position
        for c in 0..<width {
          x.scalars[row * width + c] = embedding[c] + positionEmbedding[position * width + c]
        }
      }
    }
    // The final norm acts row by row, so normalizing only the pooled (last) rows gives the same values.
    let scope: AttentionScope = if let keys {
      .masked(zip(segments, keys).map { MaskedSequence(rows: $0, keys: $0.lowerBound + $1.lowerBound ..< $0.lowerBound + $1.upperBound) })
    } else {
      .sequences(segments)
    }
    let pooled = encoder(x, scope: scope, outputs: segments.map { $0.upperBound - 1 })
    let projected = linear(finalNorm(pooled), head)
    return (0..<batch.count).map { Array(projected.row($0)) }
  }
}
