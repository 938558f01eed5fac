import Kernels

/// `SiglipMultiheadAttentionPoolingHead`: a learned probe attends over each sequence's rows through multi-head
/// attention (`nn.MultiheadAttention`: one fused `in_proj` for q, k and v, then `out_proj`), then a residual
/// layer norm + MLP; the probe's row is the sequence's embedding.
///
/// The probe is a constant, so its query projection is computed once, at load.
public struct AttentionPoolingHead: Sendable {
  /// `probe · W_qᵀ + b_q`, the one query every sequence uses.
  let query: [Float]
  let keysAndValues: LinearWeights
  let output: LinearWeights
  let norm: LayerNorm
  let mlp: MLP
  let heads: Int

  /// Binds `prefix.probe` (`[1, 1, width]`), `prefix.attention.in_proj_weight` / `_bias`,
  /// `prefix.attention.out_proj`, `prefix.layernorm` and `prefix.mlp`.
  public init(_ store: inout WeightStore, _ prefix: String, width: Int, intermediate: Int, heads: Int,
              activation: Activation, epsilon: Float) throws {
    let probe = try store.tensor(prefix + ".probe", shape: [1, 1, width])
    let inProjection = try store.tensor(prefix + ".attention.in_proj_weight", shape: [3 * width, width])
    let inBias = try store.tensor(prefix + ".attention.in_proj_bias", shape: [3 * width])
    let queryWeights = LinearWeights(
      weight: Array(inProjection[..<(width * width)]), bias: Array(inBias[..<width]), outFeatures: width,
      inFeatures: width)
    query = Array(linear(Matrix(rows: 1, columns: width, scalars: probe), queryWeights).scalars)
    keysAndValues = LinearWeights(
      weight: Array(inProjection[(width * width)...]), bias: Array(inBias[width...]), outFeatures: 2 * width,
      inFeatures: width)
    output = try store.linear(prefix + ".attention.out_proj", out: width, in: width)
    norm = try LayerNorm(&store, prefix + ".layernorm", width: width, epsilon: epsilon)
    mlp = try MLP(&store, prefix + ".mlp", width: width, intermediate: intermediate, activation: activation,
                  reading: norm)
    self.heads = heads
  }

  /// One row per sequence of `x`: the probe's output over that sequence's rows.
  public func callAsFunction(_ x: Matrix, sequences: [Range<Int>]) -> Matrix {
    let queries = Matrix(
      rows: sequences.count, columns: query.count,
      scalars: Array([[Float]](repeating: query, count: sequences.count).joined()))
    let mixed = attention(
      queries: queries, rows: sequences.map(\.lowerBound), kv: linear(x, keysAndValues), heads: heads,
      sequences: sequences)
    let attended = linear(mixed, output)
    return mlp(norm(attended), adding: attended)
  }
}
