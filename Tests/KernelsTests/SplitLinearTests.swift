import Testing
import Kernels

/// `SplitLinearWeights`: an int8 layer with outlier input channels multiplied in F32, against a reference written
/// here (the int8 product of the other channels as `Int8LinearTests.reference` specifies it, plus the exact product
/// of the channels split off), on odd shapes and row counts, with and without activation and residual.
@Suite struct SplitLinearTests {
  /// Depths and widths off the 4-deep groups and the 32-column panels; channels at both ends and in between.
  static let shapes: [(k: Int, n: Int, channels: [Int])] = [
    (k: 3, n: 31, channels: [1]), (k: 37, n: 45, channels: [0, 5, 36]), (k: 67, n: 33, channels: [66]),
    (k: 300, n: 100, channels: [7, 150, 151, 299]),
  ]

  /// `x` with the outlier channels `scale` times the others' magnitude, as a trained layer norm's output.
  static func input(_ random: inout Random, rows: Int, k: Int, channels: [Int], scale: Float) -> Matrix {
    var x = random.matrix(rows, k)
    for r in 0..<rows { for c in channels { x[r, c] = x[r, c] * scale + (c % 2 == 0 ? scale : -scale) / 2 } }
    return x
  }

  /// The split layer's result as specified, before rounding: the int8 product of `x` and `w` with `channels` zeroed
  /// in both, plus `x[:, channels] · w[:, channels]ᵀ` in doubles, plus the bias; then the activation and residual.
  static func reference(_ x: Matrix, _ w: Matrix, bias: [Float], channels: [Int], activation: Activation,
                        residual: Matrix?) -> Matrix {
    var (xRest, wRest) = (x, w)
    for r in 0..<x.rows { for c in channels { xRest[r, c] = 0 } }
    for o in 0..<w.rows { for c in channels { wRest[o, c] = 0 } }
    var y = Int8LinearTests.reference(xRest, wRest)
    for r in 0..<y.rows {
      for o in 0..<y.columns {
        let split = channels.reduce(0.0) { $0 + Double(x[r, $1]) * Double(w[o, $1]) }
        y[r, o] = Reference.activate(Float(Double(y[r, o]) + split + Double(bias[o])), activation)
          + (residual?[r, o] ?? 0)
      }
    }
    return y
  }

  @Test(arguments: [1, 7, 50])
  func matchesTheReference(rows: Int) {
    var random = Random(UInt64(2000 + rows))
    for (k, n, channels) in Self.shapes {
      let w = random.matrix(n, k), bias = random.floats(n), residual = random.matrix(rows, n)
      let x = Self.input(&random, rows: rows, k: k, channels: channels, scale: 60)
      let layer = SplitLinearWeights(quantizing: w.scalars, bias: bias, outFeatures: n, inFeatures: k,
                                     splitting: channels, precision: .int8)
      #expect(layer.channels == channels && layer.precision == .int8 && layer.outFeatures == n)
      for (activation, added) in [(Activation.identity, nil), (.identity, residual), (.quickGELU, nil),
                                  (.gelu, residual)] {
        let expected = Self.reference(x, w, bias: bias, channels: channels, activation: activation, residual: added)
        let found = linear(x, layer, activation: activation, adding: added)
        #expect(found.shape == [rows, n])
        // Float sums in another order: a few ulps of the terms' magnitudes.
        let bound = 1e-5 * (1 + (x.scalars.map(abs).max() ?? 0) * Float(k).squareRoot())
        let worst = zip(found.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= bound, "k \(k) n \(n) \(activation) residual \(added != nil): \(worst) > \(bound)")
      }
    }
  }

  @Test func beatsThePlainInt8LayerOnOutlierInputs() {
    var random = Random(77)
    let (k, n, channels) = (300, 100, [7, 150, 151, 299])
    let w = random.matrix(n, k), x = Self.input(&random, rows: 7, k: k, channels: channels, scale: 60)
    let exact = Reference.linear(x, LinearWeights(weight: w.scalars, bias: nil, outFeatures: n, inFeatures: k))
    let plain = linear(x, LinearWeights(quantizing: w.scalars, bias: nil, outFeatures: n, inFeatures: k,
                                        precision: .int8))
    let split = linear(x, SplitLinearWeights(quantizing: w.scalars, bias: nil, outFeatures: n, inFeatures: k,
                                             splitting: channels, precision: .int8))
    let error = { (y: Matrix) in zip(y.scalars, exact.scalars).map { Double(abs($0 - $1)) }.reduce(0, +) }
    // The plain layer's row scale is spent on the outliers: the others keep about 2 of their 127 levels.
    #expect(error(split) * 10 < error(plain), "split \(error(split)), plain \(error(plain))")
  }

  @Test func withoutChannelsItIsThePlainLayer() {
    var random = Random(5)
    let w = random.matrix(45, 37), bias = random.floats(45), x = random.matrix(7, 37, scale: 3)
    for precision in LinearPrecision.allCases {
      let plain = LinearWeights(quantizing: w.scalars, bias: bias, outFeatures: 45, inFeatures: 37,
                                precision: precision)
      let split = SplitLinearWeights(quantizing: w.scalars, bias: bias, outFeatures: 45, inFeatures: 37,
                                     splitting: [], precision: precision)
      #expect(split.channels.isEmpty && split.precision == precision)
      #expect(linear(x, split, activation: .quickGELU) == linear(x, plain, activation: .quickGELU))
    }
  }

  @Test func outputsAreColumnsOfTheWholeLayer() {
    var random = Random(9)
    let (k, n, channels) = (37, 96, [0, 5, 36])
    let w = random.matrix(n, k), bias = random.floats(n)
    let x = Self.input(&random, rows: 7, k: k, channels: channels, scale: 40)
    let layer = SplitLinearWeights(quantizing: w.scalars, bias: bias, outFeatures: n, inFeatures: k,
                                   splitting: channels, precision: .int8)
    let whole = linear(x, layer)
    let range = LinearWeights.outputAlignment ..< n
    let part = linear(x, layer.outputs(range))
    #expect(part.shape == [7, range.count])
    for r in 0..<7 {
      #expect(Array(part.row(r)) == Array(whole.row(r)[(r * n + range.lowerBound)...].prefix(range.count)))
    }
    #expect(layer.weight(output: 3, input: 5) == w[3, 5])
  }
}
