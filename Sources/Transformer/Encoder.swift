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

  /// Most rows of a batch of whole sequences that go through the layers together; a larger batch is cut into
  /// groups of whole sequences, each run through every layer in turn.
  ///
  /// Every step is per row or per sequence, so the outputs are the same, bit for bit; but a group's activations
  /// are all the layers hold at once: the attention block's query/key/value rows and its residuals were most of a
  /// batch-16 SigLIP base/16's peak (3,136 rows). Groups of up to 1,024 rows keep the multiplies as efficient
  /// (each weight is read once per group and used by hundreds of rows); a batch-16 ViT-B/32 (800 rows) is one group.
  static let groupRows = 1024

  /// The last hidden state of every row.
  public func callAsFunction(_ x: consuming Matrix, scope: AttentionScope) -> Matrix {
    callAsFunction(x, scope: scope, groupRows: Self.groupRows)
  }

  /// `callAsFunction(_:scope:)` with groups of up to `groupRows` rows (tests compare groupings).
  func callAsFunction(_ x: consuming Matrix, scope: AttentionScope, groupRows: Int) -> Matrix {
    if case .sequences(let sequences) = scope, let groups = Self.groups(sequences, rows: x.rows, limit: groupRows) {
      var scalars: [Float] = []
      scalars.reserveCapacity(x.rows * x.columns)
      for (rows, local) in groups { scalars += layersOver(x.rows(rows), scope: .sequences(local)).scalars }
      return Matrix(rows: x.rows, columns: x.columns, scalars: scalars)
    }
    return layersOver(x, scope: scope)
  }

  /// Every layer over all of `x`.
  private func layersOver(_ x: consuming Matrix, scope: AttentionScope) -> Matrix {
    var h = x
    // Each layer gets the last reference to its input, so that it can free it early (see `EncoderLayer`).
    for layer in layers { h = layer(consume h, scope: scope) }
    return h
  }

  /// The last hidden state of rows `outputs` only (the pooled tokens), in that order.
  public func callAsFunction(_ x: consuming Matrix, scope: AttentionScope, outputs: [Int]) -> Matrix {
    callAsFunction(x, scope: scope, outputs: outputs, groupRows: Self.groupRows)
  }

  /// `callAsFunction(_:scope:outputs:)` with groups of up to `groupRows` rows, when `outputs` ascend (as the
  /// pooled rows of consecutive sequences do); a group without outputs is not run.
  func callAsFunction(_ x: consuming Matrix, scope: AttentionScope, outputs: [Int], groupRows: Int) -> Matrix {
    if case .sequences(let sequences) = scope, zip(outputs, outputs.dropFirst()).allSatisfy({ $0 < $1 }),
       let groups = Self.groups(sequences, rows: x.rows, limit: groupRows) {
      var scalars: [Float] = []
      scalars.reserveCapacity(outputs.count * x.columns)
      for (rows, local) in groups {
        let kept = outputs.filter { rows.contains($0) }.map { $0 - rows.lowerBound }
        guard !kept.isEmpty else { continue }
        scalars += layersOver(x.rows(rows), scope: .sequences(local), outputs: kept).scalars
      }
      return Matrix(rows: outputs.count, columns: x.columns, scalars: scalars)
    }
    return layersOver(x, scope: scope, outputs: outputs)
  }

  /// Every layer over all of `x`, the last one keeping rows `outputs`.
  private func layersOver(_ x: consuming Matrix, scope: AttentionScope, outputs: [Int]) -> Matrix {
    guard let last = layers.last else { return x.gathering(rows: outputs) }
    var h = x
    for layer in layers.dropLast() { h = layer(consume h, scope: scope) }
    return last(consume h, scope: scope, keeping: outputs)
  }

  /// Consecutive groups of whole `sequences`, each of at most `limit` rows unless one sequence is longer, as the
  /// rows of `x` they cover and their sequences within it; nil when one group would do, or when the sequences
  /// do not tile `0 ..< rows` in order.
  static func groups(_ sequences: [Range<Int>], rows: Int, limit: Int)
    -> [(rows: Range<Int>, sequences: [Range<Int>])]?
  {
    guard rows > limit, sequences.first?.lowerBound == 0, sequences.last?.upperBound == rows,
          zip(sequences, sequences.dropFirst()).allSatisfy({ $0.upperBound == $1.lowerBound }) else { return nil }
    var groups: [(rows: Range<Int>, sequences: [Range<Int>])] = []
    var members: [Range<Int>] = []
    func close() {
      guard let first = members.first, let last = members.last else { return }
      let start = first.lowerBound
      groups.append((start ..< last.upperBound, members.map { ($0.lowerBound - start) ..< ($0.upperBound - start) }))
      members = []
    }
    for sequence in sequences {
      if let first = members.first, sequence.upperBound - first.lowerBound > limit { close() }
      members.append(sequence)
    }
    close()
    return groups.count > 1 ? groups : nil
  }
}
