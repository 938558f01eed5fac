import Kernels

/// The text tower with its projection: token ids in, `text_embeds` out (`CLIPModel.get_text_features`).
///
/// The causal mask means a position never sees later ones, so each sequence is computed only up to its
/// pooled (end-of-text) position: padding and anything after the end token cost nothing and cannot change
/// the result. For the same reason the states of a sequence's first n tokens depend on those tokens alone, so
/// sequences of a batch that begin alike (the start token, a hypothesis template's words) share the rows of
/// their common beginning: 8 labels under "This is a photo of {}." need 65 rows instead of 107, with each
/// embedding bit for bit what it is alone.
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
    tokenEmbedding = try store.table("text_model.embeddings.token_embedding.weight", rows: config.vocabSize, width: width)
    positionEmbedding = try store.tensor(
      "text_model.embeddings.position_embedding.weight", shape: [config.maxPositionEmbeddings, width])
    encoder = try Encoder(&store, "text_model.encoder", config: config)
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
    // One row per distinct beginning of a sequence: ids that equal another sequence's up to some position share
    // its rows up to there (a prefix tree keyed by the previous row and the id), so a hypothesis template's
    // shared words and the start token are computed once per batch.
    var parents: [Int?] = [], tokens: [(id: Int, position: Int)] = []
    var rowsByPrefix: [PrefixKey: Int] = [:]
    var outputs: [Int] = []
    for ids in batch {
      let length = config.pooledPosition(ids) + 1
      precondition(length <= config.maxPositionEmbeddings,
                   "embed: pooled position \(length - 1) beyond \(config.maxPositionEmbeddings) positions")
      var row: Int? = nil
      for position in 0..<length {
        let id = ids[position]
        precondition(id >= 0 && id < config.vocabSize, "embed: token id \(id) outside vocabulary of \(config.vocabSize)")
        let key = PrefixKey(parent: row ?? -1, id: id)
        if let existing = rowsByPrefix[key] {
          row = existing
        } else {
          rowsByPrefix[key] = parents.count
          parents.append(row)
          tokens.append((id, position))
          row = parents.count - 1
        }
      }
      outputs.append(row!)  // length >= 1: the pooled position is a position of the sequence
    }
    var x = Matrix(rows: tokens.count, columns: width)
    for (row, token) in tokens.enumerated() {
      let embedding = tokenEmbedding.row(token.id)
      for c in 0..<width {
        x.scalars[row * width + c] = embedding[c] + positionEmbedding[token.position * width + c]
      }
    }
    // The final norm acts row by row, so normalizing only the pooled rows gives the same values.
    let pooled = encoder(x, scope: .causal(PrefixTree(parents: parents)), outputs: outputs)
    let projected = linear(finalNorm(pooled), projection)
    return (0..<batch.count).map { Array(projected.row($0)) }
  }
}

/// A row of the text batch's prefix tree, identified by the row before it (-1 for none) and its token id.
private struct PrefixKey: Hashable {
  var parent: Int
  var id: Int
}
