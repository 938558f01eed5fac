import Kernels

/// `CLIPAttention`: multi-head self-attention with separate q/k/v projections and an output projection.
///
/// Several sequences travel stacked as rows of one matrix so that every projection is one multiply;
/// attention itself runs per sequence (`segments` gives each sequence's rows).
struct SelfAttention: Sendable {
  let query: LinearWeights
  let key: LinearWeights
  let value: LinearWeights
  let output: LinearWeights
  let heads: Int

  init(_ store: inout WeightStore, _ prefix: String, width: Int, heads: Int) throws {
    query = try store.linear(prefix + ".q_proj", out: width, in: width)
    key = try store.linear(prefix + ".k_proj", out: width, in: width)
    value = try store.linear(prefix + ".v_proj", out: width, in: width)
    output = try store.linear(prefix + ".out_proj", out: width, in: width)
    self.heads = heads
  }

  /// The heads' outputs side by side, before `out_proj`; each segment attends only within itself.
  func mix(_ x: Matrix, segments: [Range<Int>], causal: Bool) -> Matrix {
    let q = linear(x, query), k = linear(x, key), v = linear(x, value)
    if segments.count == 1 { return attention(query: q, key: k, value: v, heads: heads, causal: causal) }
    var stacked = Matrix(rows: x.rows, columns: x.columns)
    for segment in segments {
      let part = attention(query: q.rows(segment), key: k.rows(segment), value: v.rows(segment), heads: heads,
                           causal: causal)
      stacked.scalars.replaceSubrange(segment.lowerBound * x.columns ..< segment.upperBound * x.columns,
                                      with: part.scalars)
    }
    return stacked
  }
}
