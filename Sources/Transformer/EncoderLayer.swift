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
  ///
  /// `x` is consumed: the caller that passes its last reference (`consume`) lets the layer free it before the MLP,
  /// the layer's largest activations.
  public func callAsFunction(_ x: consuming Matrix, scope: AttentionScope, keeping rows: [Int]? = nil) -> Matrix {
    let h = attentionBlock(x, scope: scope, keeping: rows)
    return mlp(norm2(h), adding: h)
  }

  /// `x` plus its attention's output projection. A function of its own so that `x` and the heads' output are
  /// freed before the MLP runs: as locals of the layer they lived to its end, 4.8 MB of a batch of 16 ViT-B/32
  /// images, at the activations' peak.
  private func attentionBlock(_ x: consuming Matrix, scope: AttentionScope, keeping rows: [Int]?) -> Matrix {
    let (mixed, residual) = if let rows {
      (attention.mix(norm1(x), scope: scope, keeping: rows), x.gathering(rows: rows))
    } else {
      (attention.mix(norm1(x), scope: scope), x)
    }
    return linear(mixed, attention.output, adding: residual)
  }
}
