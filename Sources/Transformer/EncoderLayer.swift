import Kernels

/// `CLIPEncoderLayer` (and `SiglipEncoderLayer`, the same layer): pre-norm attention and MLP blocks, each with a
/// residual connection.
public struct EncoderLayer: Sendable {
  let norm1: LayerNorm
  let attention: SelfAttention
  let norm2: LayerNorm
  let mlp: MLP

  public init(_ store: inout WeightStore, _ prefix: String, width: Int, intermediate: Int, heads: Int,
              activation: Activation, epsilon: Float) throws {
    norm1 = try LayerNorm(&store, prefix + ".layer_norm1", width: width, epsilon: epsilon)
    attention = try SelfAttention(&store, prefix + ".self_attn", width: width, heads: heads, reading: norm1)
    norm2 = try LayerNorm(&store, prefix + ".layer_norm2", width: width, epsilon: epsilon)
    mlp = try MLP(&store, prefix + ".mlp", width: width, intermediate: intermediate, activation: activation,
                  reading: norm2)
  }

  /// The layer's output rows `keeping` (all rows when nil).
  ///
  /// Every row is needed as a key and value, but past attention each row is on its own: the output
  /// projection and the MLP run only on the rows kept (and, where the scope allows, so do the queries).
  public func callAsFunction(_ x: Matrix, scope: AttentionScope, keeping rows: [Int]? = nil) -> Matrix {
    let (mixed, residual) = if let rows {
      (attention.mix(norm1(x), scope: scope, keeping: rows), x.gathering(rows: rows))
    } else {
      (attention.mix(norm1(x), scope: scope), x)
    }
    let h = linear(mixed, attention.output, adding: residual)
    return mlp(norm2(h), adding: h)
  }
}
