import Kernels

extension LayerNorm {
  /// How many times the median magnitude a channel's gain and bias must reach to count as an outlier.
  static let outlierFactor: Float = 6
  /// At most this share of the channels (and at least 8) is split off, the largest first: each costs the layers
  /// that read the norm an F32 column.
  static let outlierShare = 64

  /// The channels this norm amplifies far above the others (ascending): those whose `|weight| + |bias|`, a bound of
  /// the norm's output magnitude for a normalized input of one, exceeds `outlierFactor` times the median of all
  /// channels'. Trained transformers show them (see `SplitLinearWeights`), random weights do not; the int8 layers
  /// that read this norm's output multiply them in F32.
  public var outlierChannels: [Int] {
    let magnitudes = zip(weight, bias).map { abs($0) + abs($1) }
    guard !magnitudes.isEmpty else { return [] }
    let median = magnitudes.sorted()[magnitudes.count / 2]
    let limit = max(8, magnitudes.count / Self.outlierShare)
    let outliers = magnitudes.indices.filter { magnitudes[$0] > Self.outlierFactor * median }
      .sorted { magnitudes[$0] > magnitudes[$1] }
    return Array(outliers.prefix(limit)).sorted()
  }
}

extension LayerNorm {
  /// A norm of the given parameters (for tests).
  package init(weight: [Float], bias: [Float], epsilon: Float) {
    precondition(weight.count == bias.count, "LayerNorm: \(weight.count) weights, \(bias.count) biases")
    self.weight = weight
    self.bias = bias
    self.epsilon = epsilon
  }
}
