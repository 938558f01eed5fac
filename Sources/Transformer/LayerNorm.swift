import Kernels

/// `nn.LayerNorm` over the feature columns.
public struct LayerNorm: Sendable {
  let weight: [Float]
  let bias: [Float]
  let epsilon: Float

  public init(_ store: inout WeightStore, _ prefix: String, width: Int, epsilon: Float) throws {
    weight = try store.tensor(prefix + ".weight", shape: [width])
    bias = try store.tensor(prefix + ".bias", shape: [width])
    self.epsilon = epsilon
  }

  public func callAsFunction(_ x: Matrix) -> Matrix {
    layerNorm(x, weight: weight, bias: bias, epsilon: epsilon)
  }
}
