import Kernels

/// `CLIPAttention` (and `SiglipAttention`): multi-head self-attention with q/k/v projections and an output projection.
///
/// Several sequences travel stacked as rows of one matrix; each token attends only to the rows its `scope`
/// gives it. The three input projections are fused into one `[3·width, width]` linear layer (the
/// checkpoint's q, k and v weights stacked), so a layer's input is read once and attention reads q, k and v
/// straight from that one output.
public struct SelfAttention: Sendable {
  let qkv: SplitLinearWeights
  public let output: LinearWeights
  let heads: Int

  /// - Parameter norm: the layer norm whose output is the input (its outlier channels, split off at int8).
  public init(_ store: inout WeightStore, _ prefix: String, width: Int, heads: Int, reading norm: LayerNorm) throws {
    qkv = try store.fusedLinear(["q_proj", "k_proj", "v_proj"].map { "\(prefix).\($0)" }, out: width, in: width,
                                role: .encoder, reading: norm)
    output = try store.linear(prefix + ".out_proj", out: width, in: width, role: .encoder)
    self.heads = heads
  }

  /// The heads' outputs side by side, before `out_proj`.
  public func mix(_ x: Matrix, scope: AttentionScope) -> Matrix {
    switch scope {
    case .sequences(let sequences): attention(qkv: linear(x, qkv), heads: heads, causal: false, sequences: sequences)
    case .causal(let tree): attention(qkv: linear(x, qkv), heads: heads, tree: tree)
    case .masked(let sequences): masked(x, queryRows: nil, sequences: sequences)
    }
  }

  /// Masked attention: each query row (all rows, or `queryRows`) against its sequence's keys only, through the
  /// few-queries kernel whose key ranges are the masks.
  private func masked(_ x: Matrix, queryRows: [Int]?, sequences: [MaskedSequence]) -> Matrix {
    let width = qkv.outFeatures / 3
    let rows = queryRows ?? Array(0..<x.rows)
    let (queries, kv): (Matrix, Matrix)
    if width % LinearWeights.outputAlignment == 0 {
      queries = linear(queryRows.map { x.gathering(rows: $0) } ?? x, qkv.outputs(0 ..< width))
      kv = linear(x, qkv.outputs(width ..< 3 * width))
    } else {
      let all = linear(x, qkv)
      queries = all.columns(0 ..< width).gathering(rows: rows)
      kv = all.columns(width ..< 3 * width)
    }
    // The kernel finds each query's keys as the range that contains the row it names: name its sequence's first key.
    let owners = rows.map { row in
      guard let sequence = sequences.first(where: { $0.rows.contains(row) }) else {
        preconditionFailure("attention: row \(row) is in none of the masked sequences")
      }
      return sequence.keys.lowerBound
    }
    return attention(queries: queries, rows: owners, kv: kv, heads: heads, sequences: sequences.map(\.keys))
  }

  /// The heads' outputs of rows `rows` only, before `out_proj`: exactly those rows of `mix(_:scope:)`. Every row
  /// is still a key and a value, but with independent sequences (the vision tower's last layer, where only the
  /// class tokens go on) only the rows kept need a query: their query projection and attention alone are computed.
  public func mix(_ x: Matrix, scope: AttentionScope, keeping rows: [Int]) -> Matrix {
    let width = qkv.outFeatures / 3
    if case .masked(let sequences) = scope { return masked(x, queryRows: rows, sequences: sequences) }
    guard case .sequences(let sequences) = scope, width % LinearWeights.outputAlignment == 0 else {
      return mix(x, scope: scope).gathering(rows: rows)
    }
    let queries = linear(x.gathering(rows: rows), qkv.outputs(0 ..< width))
    let kv = linear(x, qkv.outputs(width ..< 3 * width))
    return attention(queries: queries, rows: rows, kv: kv, heads: heads, sequences: sequences)
  }
}
