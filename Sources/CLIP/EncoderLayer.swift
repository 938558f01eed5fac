import Kernels

/// `CLIPEncoderLayer`: pre-norm attention and MLP blocks, each with a residual connection.
struct EncoderLayer: Sendable {
  let norm1: LayerNorm
  let attention: SelfAttention
  let norm2: LayerNorm
  let fc1: LinearWeights
  let fc2: LinearWeights
  let activation: Activation

  init(_ store: inout WeightStore, _ prefix: String, width: Int, intermediate: Int, heads: Int,
       activation: Activation, epsilon: Float) throws {
    norm1 = try LayerNorm(&store, prefix + ".layer_norm1", width: width, epsilon: epsilon)
    attention = try SelfAttention(&store, prefix + ".self_attn", width: width, heads: heads)
    norm2 = try LayerNorm(&store, prefix + ".layer_norm2", width: width, epsilon: epsilon)
    fc1 = try store.linear(prefix + ".mlp.fc1", out: intermediate, in: width)
    fc2 = try store.linear(prefix + ".mlp.fc2", out: width, in: intermediate)
    self.activation = activation
  }

  /// The layer's output rows `keeping` (all rows when nil).
  ///
  /// Every row is needed as a key and value, but past attention each row is on its own: the output
  /// projection and the MLP run only on the rows kept (and, where the scope allows, so do the queries).
  func callAsFunction(_ x: Matrix, scope: AttentionScope, keeping rows: [Int]? = nil) -> Matrix {
    let (mixed, residual) = if let rows {
      (attention.mix(norm1(x), scope: scope, keeping: rows), x.gathering(rows: rows))
    } else {
      (attention.mix(norm1(x), scope: scope), x)
    }
    let h = linear(mixed, attention.output, adding: residual)
    return linear(linear(norm2(h), fc1, activation: activation), fc2, adding: h)
  }
}

/// What the encoder stack needs of a tower's configuration; both towers' configs have it.
protocol EncoderConfiguration {
  var hiddenSize: Int { get }
  var intermediateSize: Int { get }
  var numHiddenLayers: Int { get }
  var numAttentionHeads: Int { get }
  var hiddenAct: Activation { get }
  var layerNormEps: Float { get }
}

extension CLIPTextConfig: EncoderConfiguration {}
extension CLIPVisionConfig: EncoderConfiguration {}

/// `CLIPEncoder`: the stack of layers `prefix.layers.0 ..< num_hidden_layers`.
struct Encoder: Sendable {
  let layers: [EncoderLayer]

  init(_ store: inout WeightStore, _ prefix: String, config: some EncoderConfiguration) throws {
    layers = try (0..<config.numHiddenLayers).map { i in
      try EncoderLayer(&store, "\(prefix).layers.\(i)", width: config.hiddenSize,
                       intermediate: config.intermediateSize, heads: config.numAttentionHeads,
                       activation: config.hiddenAct, epsilon: config.layerNormEps)
    }
  }

  /// The last hidden state of rows `outputs` only (the pooled tokens), in that order.
  func callAsFunction(_ x: Matrix, scope: AttentionScope, outputs: [Int]) -> Matrix {
    guard let last = layers.last else { return x.gathering(rows: outputs) }
    let h = layers.dropLast().reduce(x) { h, layer in layer(h, scope: scope) }
    return last(h, scope: scope, keeping: outputs)
  }
}
