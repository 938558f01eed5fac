import Kernels

/// The feed-forward block `fc2(activation(fc1(x)))` of an encoder layer (and of SigLIP's pooling head), with the
/// residual added by `fc2`'s epilogue when given.
public struct MLP: Sendable {
  public let fc1: SplitLinearWeights
  public let fc2: LinearWeights
  public let activation: Activation

  /// Binds `prefix.fc1` (`[intermediate, width]`) and `prefix.fc2` (`[width, intermediate]`); `norm` is the layer
  /// norm whose output is the input (its outlier channels are split off at int8).
  public init(_ store: inout WeightStore, _ prefix: String, width: Int, intermediate: Int,
              activation: Activation, reading norm: LayerNorm) throws {
    fc1 = try store.fusedLinear([prefix + ".fc1"], out: intermediate, in: width, role: .encoder, reading: norm)
    fc2 = try store.linear(prefix + ".fc2", out: width, in: intermediate, role: .encoder)
    self.activation = activation
  }

  /// The block of the given layers, for tests.
  init(fc1: SplitLinearWeights, fc2: LinearWeights, activation: Activation) {
    (self.fc1, self.fc2, self.activation) = (fc1, fc2, activation)
  }

  /// Most rows whose intermediate activation is computed at once; more are cut into near-equal chunks.
  ///
  /// The intermediate is the block's largest activation, four times the input's width: at batch 16 it was a
  /// ViT-L/14's 67 MB and a SigLIP base/16's 39 MB of the run's peak. Chunks of more than 256 rows keep every
  /// multiply on the row-block path (`Gemm.isFewRows` streams the weights once per call), and rows are
  /// independent (`linear`), so the outputs are the same, bit for bit.
  static let chunkRows = 512

  /// `fc2(activation(fc1(x)))`, plus `residual` when given.
  ///
  /// `x` is consumed and freed once `fc1` has read it, before `fc2` runs beside the block's largest activation.
  public func callAsFunction(_ x: consuming Matrix, adding residual: Matrix? = nil) -> Matrix {
    let chunks = (x.rows + Self.chunkRows - 1) / Self.chunkRows
    guard chunks > 1 else {
      let intermediate = linear(x, fc1, activation: activation)
      _ = consume x
      return linear(intermediate, fc2, adding: residual)
    }
    var scalars: [Float] = []
    scalars.reserveCapacity(x.rows * fc2.outFeatures)
    let base = x.rows / chunks, extra = x.rows % chunks
    var start = 0
    for chunk in 0..<chunks {
      let rows = start ..< start + base + (chunk < extra ? 1 : 0)
      let intermediate = linear(x.rows(rows), fc1, activation: activation)
      scalars += linear(intermediate, fc2, adding: residual?.rows(rows)).scalars
      start = rows.upperBound
    }
    return Matrix(rows: x.rows, columns: fc2.outFeatures, scalars: scalars)
  }
}
