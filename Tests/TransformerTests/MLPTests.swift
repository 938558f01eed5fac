import Kernels
import Testing
@testable import Transformer

/// `MLP` cuts many rows into chunks (`MLP.chunkRows`) to bound its intermediate activation: the outputs are those
/// of the whole block at once, bit for bit, at every precision, with and without the residual.
@Suite struct MLPTests {
  /// Deterministic values in [-1, 1).
  static func values(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed
    return (0..<count).map { _ in
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return Float(state >> 40) / Float(1 << 23) - 1
    }
  }

  @Test(arguments: LinearPrecision.allCases)
  func chunkedRowsGiveTheWholeBlocksOutputs(_ precision: LinearPrecision) {
    let width = 24, intermediate = 96
    let fc1 = LinearWeights(quantizing: Self.values(intermediate * width, seed: 1),
                            bias: Self.values(intermediate, seed: 2), outFeatures: intermediate, inFeatures: width,
                            precision: precision)
    let fc2 = LinearWeights(quantizing: Self.values(width * intermediate, seed: 3), bias: Self.values(width, seed: 4),
                            outFeatures: width, inFeatures: intermediate, precision: precision)
    let mlp = MLP(fc1: SplitLinearWeights(fc1), fc2: fc2, activation: .gelu)
    for rows in [1, MLP.chunkRows, MLP.chunkRows + 1, 2 * MLP.chunkRows + 77] {
      let x = Matrix(rows: rows, columns: width, scalars: Self.values(rows * width, seed: UInt64(rows)))
      let residual = Matrix(rows: rows, columns: width, scalars: Self.values(rows * width, seed: 99))
      let whole = linear(linear(x, fc1, activation: .gelu), fc2)
      let wholeAdding = linear(linear(x, fc1, activation: .gelu), fc2, adding: residual)
      #expect(mlp(x) == whole, "\(precision) \(rows) rows")
      #expect(mlp(x, adding: residual) == wholeAdding, "\(precision) \(rows) rows, residual")
    }
  }
}
