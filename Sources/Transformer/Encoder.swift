import Kernels

/// `CLIPEncoder` / `SiglipEncoder`: the stack of layers `prefix.layers.0 ..< num_hidden_layers`.
public struct Encoder: Sendable {
  let layers: [EncoderLayer]

  public init(_ store: inout WeightStore, _ prefix: String, config: some EncoderConfiguration) throws {
    layers = try (0..<config.numHiddenLayers).map { i in
      try EncoderLayer(&store, "\(prefix).layers.\(i)", width: config.hiddenSize,
                       intermediate: config.intermediateSize, heads: config.numAttentionHeads,
                       activation: config.hiddenAct, epsilon: config.layerNormEps)
    }
  }

  /// The channels that the layers' norms amplify far above the others (`LayerNorm.outlierChannels`), ascending: of
  /// all the layers together, at most as many as one norm may have, those most layers share first.
  public var outlierChannels: [Int] {
    let norms = layers.flatMap { [$0.norm1, $0.norm2] }
    var counts: [Int: Int] = [:]
    for norm in norms { for channel in norm.outlierChannels { counts[channel, default: 0] += 1 } }
    let limit = max(8, (norms.first?.weight.count ?? 0) / LayerNorm.outlierShare)
    return Array(counts.keys.sorted { (counts[$0]!, $1) > (counts[$1]!, $0) }.prefix(limit)).sorted()
  }

  /// The last hidden state of every row.
  public func callAsFunction(_ x: consuming Matrix, scope: AttentionScope) -> Matrix {
    var h = x
    // Each layer gets the last reference to its input, so that it can free it early (see `EncoderLayer`).
    for layer in layers { h = layer(consume h, scope: scope) }
    return h
  }

  /// The last hidden state of rows `outputs` only (the pooled tokens), in that order.
  public func callAsFunction(_ x: consuming Matrix, scope: AttentionScope, outputs: [Int]) -> Matrix {
    guard let last = layers.last else { return x.gathering(rows: outputs) }
    var h = x
    for layer in layers.dropLast() { h = layer(consume h, scope: scope) }
    return last(consume h, scope: scope, keeping: outputs)
  }
}
