import Kernels

/// `CLIPAttention`: multi-head self-attention with q/k/v projections and an output projection.
///
/// Several sequences travel stacked as rows of one matrix; each token attends only to the rows its `scope`
/// gives it. The three input projections are fused into one `[3·width, width]` linear layer (the
/// checkpoint's q, k and v weights stacked), so a layer's input is read once and attention reads q, k and v
/// straight from that one output.
struct SelfAttention: Sendable {
  let qkv: LinearWeights
  let output: LinearWeights
  let heads: Int

  init(_ store: inout WeightStore, _ prefix: String, width: Int, heads: Int) throws {
    qkv = try store.fusedLinear(["q_proj", "k_proj", "v_proj"].map { "\(prefix).\($0)" }, out: width, in: width)
    output = try store.linear(prefix + ".out_proj", out: width, in: width)
    self.heads = heads
  }

  /// The heads' outputs side by side, before `out_proj`.
  func mix(_ x: Matrix, scope: AttentionScope) -> Matrix {
    switch scope {
    case .sequences(let sequences): attention(qkv: linear(x, qkv), heads: heads, causal: false, sequences: sequences)
    case .causal(let tree): attention(qkv: linear(x, qkv), heads: heads, tree: tree)
    }
  }
}
