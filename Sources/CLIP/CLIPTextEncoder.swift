import Kernels
import Transformer

/// The text tower with its projection: token ids in, `text_embeds` out (`CLIPModel.get_text_features`).
///
/// The causal mask means a position never sees later ones, so each sequence is computed only up to its
/// pooled (end-of-text) position: padding and anything after the end token cost nothing and cannot change
/// the result; and sequences that begin alike share their first rows (`SharedPrefixBatch`).
public struct CLIPTextEncoder: Sendable {
  /// The tower's configuration.
  public let config: CLIPTextConfig
  let tokenEmbedding: EmbeddingTable
  let positionEmbedding: [Float]
  let encoder: Encoder
  let finalNorm: LayerNorm
  let projection: LinearWeights

  /// Width of the projected embeddings.
  public var embeddingDimension: Int { projection.outFeatures }

  init(_ store: inout WeightStore, config: CLIPTextConfig, projectionDim: Int) throws {
    let width = config.hiddenSize
    self.config = config
    positionEmbedding = try store.tensor(
      "text_model.embeddings.position_embedding.weight", shape: [config.maxPositionEmbeddings, width])
    encoder = try Encoder(&store, "text_model.encoder", config: config)
    // After the encoder: the table keeps the channels its layer norms amplify exact.
    tokenEmbedding = try store.table("text_model.embeddings.token_embedding.weight", rows: config.vocabSize,
                                     width: width, exact: encoder.outlierChannels)
    finalNorm = try LayerNorm(&store, "text_model.final_layer_norm", width: width, epsilon: config.layerNormEps)
    projection = try store.linear("text_projection", out: projectionDim, in: width, bias: false)
  }

  /// The projected, unnormalized embedding of each sequence (one row of `get_text_features` each).
  ///
  /// Sequences may be padded or not; only ids up to the pooled position are used.
  /// - Precondition: each sequence is non-empty, its ids are below `vocab_size`, and its pooled position is
  ///   below `max_position_embeddings`.
  public func embed(tokenIDs batch: [[Int]]) -> [[Float]] {
    guard !batch.isEmpty else { return [] }
    let width = config.hiddenSize
    let sequences = batch.map { ids in
      let length = config.pooledPosition(ids) + 1
      precondition(length <= config.maxPositionEmbeddings,
                   "embed: pooled position \(length - 1) beyond \(config.maxPositionEmbeddings) positions")
      for id in ids[..<length] {
        precondition(id >= 0 && id < config.vocabSize, "embed: token id \(id) outside vocabulary of \(config.vocabSize)")
      }
      return ids[..<length]
    }
    let rows = SharedPrefixBatch(sequences)
    var x = Matrix(rows: rows.tokens.count, columns: width)
    for (row, token) in rows.tokens.enumerated() {
      let embedding = tokenEmbedding.row(token.id)
      for c in 0..<width {
        x.scalars[row * width + c] = embedding[c] + positionEmbedding[token.position * width + c]
      }
    }
    // The final norm acts row by row, so normalizing only the pooled rows gives the same values.
    let pooled = encoder(x, scope: rows.scope, outputs: rows.lastRows)
    let projected = linear(finalNorm(pooled), projection)
    return (0..<batch.count).map { Array(projected.row($0)) }
  }
}
