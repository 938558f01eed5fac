import Testing
import Kernels

/// The int8 `linear` (`LinearPrecision.int8`) against a straightforward reference written here: weights quantized
/// per output channel, activations per row, exact integer sums, the scales, then bias, activation and residual.
@Suite struct Int8LinearTests {
  static let rowCounts = [1, 7, 50, 257]
  /// Depths below, at and off the 4-deep groups; widths off the 32-column panels.
  static let shapes = [(k: 1, n: 1), (k: 3, n: 31), (k: 67, n: 33), (k: 300, n: 100), (k: 771, n: 64)]

  /// The kernels this build and machine can run: the portable one always, VNNI and AVX2 where they can.
  static var kernels: [Int8Kernel] { Int8Kernel.available }

  /// Row `x`'s integers and scale, as specified: `scale = max |x| / 127`, `round(x · 127 / max)` ties to even.
  static func quantize(_ x: ArraySlice<Float>) -> (values: [Int], scale: Float) {
    let top = x.map(abs).max() ?? 0
    let inverse: Float = top > 0 ? 127 / top : 0
    return (x.map { Int(max(-127, min(127, ($0 * inverse).rounded(.toNearestOrEven)))) }, top / 127)
  }

  /// `x · Wᵀ` of the quantized operands, before any epilogue: what the kernels must give bit for bit.
  static func reference(_ x: Matrix, _ w: Matrix) -> Matrix {
    let rows = (0..<x.rows).map { quantize(x.row($0)) }, columns = (0..<w.rows).map { quantize(w.row($0)) }
    var out = Matrix(rows: x.rows, columns: w.rows)
    for i in 0..<x.rows {
      for j in 0..<w.rows {
        var sum = 0
        for k in 0..<x.columns { sum += rows[i].values[k] * columns[j].values[k] }
        out[i, j] = Float(sum) * (columns[j].scale * rows[i].scale)
      }
    }
    return out
  }

  @Test(arguments: rowCounts)
  func kernelsMatchReferenceExactly(rows: Int) {
    var random = Random(UInt64(1000 + rows))
    for (k, n) in Self.shapes {
      let x = random.matrix(rows, k, scale: 3), w = random.matrix(n, k)
      let layer = LinearWeights(quantizing: w.scalars, bias: nil, outFeatures: n, inFeatures: k, precision: .int8)
      let expected = Self.reference(x, w)
      for kernel in Self.kernels {
        #expect(linear(x, layer, int8Kernel: kernel) == expected, "\(kernel) \(rows)×\(k)·\(k)×\(n)")
      }
    }
  }

  @Test(arguments: Activation.allCases)
  func epilogueWithBiasAndResidual(activation: Activation) {
    var random = Random(77)
    for (m, k, n) in [(1, 33, 17), (7, 300, 40), (50, 64, 97), (257, 129, 65)] {
      let x = random.matrix(m, k, scale: 2), w = random.matrix(n, k)
      let bias = random.floats(n), residual = random.matrix(m, n)
      let layer = LinearWeights(quantizing: w.scalars, bias: bias, outFeatures: n, inFeatures: k, precision: .int8)
      var expected = Self.reference(x, w)
      for i in 0..<m {
        for j in 0..<n {
          expected[i, j] = Reference.activate(expected[i, j] + bias[j], activation) + residual[i, j]
        }
      }
      // The vector activations' error (a few ulps of the value) and one rounding of the residual's sum.
      var bound = expected.magnitudes
      for i in bound.scalars.indices { bound.scalars[i] += 1 + abs(residual.scalars[i]) }
      for kernel in Self.kernels {
        expectClose(linear(x, layer, activation: activation, adding: residual, int8Kernel: kernel), expected,
                    bound: bound, relative: 2e-6, "\(kernel) \(activation) \(m)×\(k)·\(k)×\(n)")
      }
    }
  }

  /// `kernel` and the portable kernel agree bit for bit, with every epilogue part, and so do 1 and 2 threads.
  static func expectSameAsPortable(_ kernel: Int8Kernel) {
    var random = Random(5)
    let x = random.matrix(257, 768), w = random.matrix(300, 768), residual = random.matrix(257, 300)
    let layer = LinearWeights(quantizing: w.scalars, bias: random.floats(300), outFeatures: 300, inFeatures: 768,
                              precision: .int8)
    let fast = linear(x, layer, activation: .quickGELU, adding: residual, int8Kernel: kernel)
    #expect(fast == linear(x, layer, activation: .quickGELU, adding: residual, int8Kernel: .portable), "\(kernel)")
    let single = KernelThreads.withCount(1) {
      linear(x, layer, activation: .quickGELU, adding: residual, int8Kernel: kernel)
    }
    #expect(fast == single, "\(kernel), 1 thread")
  }

  @Test(.enabled(if: Int8Kernel.available.contains(.vnni512),
                 "the VNNI kernel needs a non-portable x86_64 build and AVX-512 VNNI; the portable kernel is tested"))
  func vnniAgreesWithPortableBitForBit() { Self.expectSameAsPortable(.vnni512) }

  @Test(.enabled(if: Int8Kernel.available.contains(.avx2),
                 "the AVX2 kernel needs a non-portable x86_64 build; the portable kernel is tested"))
  func avx2AgreesWithPortableBitForBit() { Self.expectSameAsPortable(.avx2) }

  /// Quantization round trip: every weight is its integer times its output's scale, within half a step; the
  /// largest weight of each output is ±127 steps exactly; a zero row stays zero.
  @Test func weightQuantizationRoundTrip() throws {
    var random = Random(9)
    var w = random.matrix(40, 37, scale: 5)
    for k in 0..<37 { w[3, k] = 0 }
    let layer = LinearWeights(quantizing: w.scalars, bias: nil, outFeatures: 40, inFeatures: 37, precision: .int8)
    #expect(layer.precision == .int8)
    for o in 0..<40 {
      let top = w.row(o).map(abs).max()!
      var sawExtreme = o == 3
      for i in 0..<37 {
        let (q, scale) = try #require(layer.quantized(output: o, input: i))
        #expect(scale == top / 127)
        #expect(abs(Float(q) * scale - w[o, i]) <= scale / 2 * (1 + 1e-5), "[\(o), \(i)]")
        #expect(layer.weight(output: o, input: i) == Float(q) * scale)
        if abs(q) == 127 && abs(w[o, i]) == top { sawExtreme = true }
        if o == 3 { #expect(q == 0) }
      }
      #expect(sawExtreme, "output \(o) has no ±127")
    }
  }

  /// Against the float layer: the error stays within what rounding both operands to their steps allows.
  @Test func closeToFloatLinear() {
    var random = Random(11)
    let x = random.matrix(50, 768), w = random.matrix(200, 768)
    let exact = linear(x, LinearWeights(weight: w.scalars, bias: nil, outFeatures: 200, inFeatures: 768))
    let int8 = linear(x, LinearWeights(quantizing: w.scalars, bias: nil, outFeatures: 200, inFeatures: 768,
                                       precision: .int8))
    for i in 0..<50 {
      let xs = Self.quantize(x.row(i)).scale
      for j in 0..<200 {
        let ws = Self.quantize(w.row(j)).scale
        var bound: Float = 0
        for k in 0..<768 { bound += abs(x[i, k]) * ws / 2 + abs(w[j, k]) * xs / 2 + xs * ws / 4 }
        #expect(abs(int8[i, j] - exact[i, j]) <= bound * 1.001, "[\(i), \(j)]")
      }
    }
  }

  /// A layer restricted to some outputs (from any multiple of 16, as `LinearWeights.outputAlignment` promises)
  /// computes exactly those columns of the whole, on every kernel.
  @Test func outputSliceMatchesWholeLayer() {
    var random = Random(13)
    let x = random.matrix(9, 100), w = random.matrix(176, 100), bias = random.floats(176)
    let layer = LinearWeights(quantizing: w.scalars, bias: bias, outFeatures: 176, inFeatures: 100, precision: .int8)
    for kernel in Self.kernels {
      let whole = linear(x, layer, activation: .gelu, int8Kernel: kernel)
      for range in [64..<150, 48..<176, 16..<17, 160..<176] {
        let part = linear(x, layer.outputs(range), activation: .gelu, int8Kernel: kernel)
        for i in 0..<9 {
          #expect(Array(part.row(i)) == Array(whole.row(i).dropFirst(range.lowerBound).prefix(range.count)),
                  "\(kernel) \(range) row \(i)")
        }
      }
    }
  }
}
