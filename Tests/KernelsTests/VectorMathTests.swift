import Foundation
import Testing
import Kernels

/// The SIMD `exp` and activations against double-precision formulas on dense sweeps.
@Suite(.timeLimit(.minutes(5))) struct VectorMathTests {
  /// `count` evenly spaced floats from `low` to `high`, in SIMD8 chunks.
  static func sweep(_ low: Float, _ high: Float, count: Int = 200_000) -> [SIMD8<Float>] {
    let step = (high - low) / Float(count - 1)
    return stride(from: 0, to: count, by: 8).map { start in
      var v = SIMD8<Float>()
      for i in 0..<8 { v[i] = min(high, low + Float(start + i) * step) }
      return v
    }
  }

  @Test func expIsAccurateToFloat() {
    var worst: Double = 0
    for v in Self.sweep(-87.3, 88.3) {
      let e = vexp(v)
      for i in 0..<8 {
        let exact = Foundation.exp(Double(v[i]))
        worst = max(worst, abs(Double(e[i]) - exact) / exact)
      }
    }
    #expect(worst < 2.5e-7, "max relative error \(worst)")
  }

  @Test func expEdgeValues() {
    let e = vexp(SIMD8(-.infinity, -200, -87.34, 0, 1, 88.5, .infinity, .nan))
    #expect(e[0] == 0 && e[1] == 0 && e[2] == 0)
    #expect(e[3] == 1)
    #expect(abs(e[4] - Float(M_E)) <= Float(M_E).ulp)
    #expect(e[5] == .infinity && e[6] == .infinity)
    #expect(e[7].isNaN)
  }

  static func exact(_ x: Double, _ activation: Activation) -> Double {
    switch activation {
    case .identity: return x
    case .quickGELU: return x / (1 + Foundation.exp(-1.702 * x))
    case .gelu: return 0.5 * x * erfc(-x / 2.0.squareRoot())
    case .geluTanh:
      // 0.5 x (1 + tanh(u)) without the cancellation of 1 + tanh(u) that even doubles suffer below u = -19.
      return x / (1 + Foundation.exp(-2 * (2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
    }
  }

  /// Relative accuracy everywhere the result is a normal float, including the far negative tails where
  /// `1 + erf` would cancel.
  @Test(arguments: Activation.allCases)
  func activationMatchesDoublePrecision(activation: Activation) {
    var worst: (x: Float, error: Double) = (0, 0)
    for v in Self.sweep(-30, 30) {
      let y = vactivate(v, activation)
      for i in 0..<8 {
        let exact = Self.exact(Double(v[i]), activation)
        // Float intermediates (the rounded input, x² inside erfc's exponent) move the result by what one ulp of
        // the input moves it; past that, 4e-6 relative, or 3e-5 where GELU's tail is below 1e-20.
        let inputEffect = abs(Self.exact(Double(v[i].nextUp), activation) - exact)
        let relative = abs(exact) < 1e-20 ? 3e-5 : 4e-6
        // Results within a few smallest normals of zero may flush to zero (exp underflows first).
        let limit = relative * abs(exact) + inputEffect + 16 * Double(Float.leastNormalMagnitude)
        let error = abs(Double(y[i]) - exact)
        if error > limit && error / limit > worst.error { worst = (v[i], error / limit) }
      }
    }
    #expect(worst.error == 0, "\(activation) at \(worst.x): \(worst.error) times the tolerance")
  }

  @Test func geluIsExactErfNotTheTanhForm() {
    // At x = -2 the two GELUs differ by 1.6e-4; the exact one is -0.0455001.
    let y = vactivate(SIMD8(repeating: -2), .gelu)[0]
    #expect(abs(Double(y) - (-0.04550026389635842)) < 1e-8)
  }
}
