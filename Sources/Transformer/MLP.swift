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

  /// `fc2(activation(fc1(x)))`, plus `residual` when given.
  ///
  /// `x` is consumed and freed once `fc1` has read it, before `fc2` runs beside the block's largest activation.
  public func callAsFunction(_ x: consuming Matrix, adding residual: Matrix? = nil) -> Matrix {
    let intermediate = linear(x, fc1, activation: activation)
    _ = consume x
    return linear(intermediate, fc2, adding: residual)
  }
}
