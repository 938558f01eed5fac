import Foundation
import Testing
import Kernels

/// Deterministic pseudo-random inputs (SplitMix64), so failures reproduce.
struct Random {
  var state: UInt64
  init(_ seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in [-1, 1).
  mutating func float() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }

  mutating func floats(_ count: Int, scale: Float = 1) -> [Float] { (0..<count).map { _ in float() * scale } }

  mutating func matrix(_ rows: Int, _ columns: Int, scale: Float = 1) -> Matrix {
    Matrix(rows: rows, columns: columns, scalars: floats(rows * columns, scale: scale))
  }
}

extension Matrix {
  /// Elementwise absolute values, for error bounds of sums.
  var magnitudes: Matrix { Matrix(rows: rows, columns: columns, scalars: scalars.map(abs)) }
}

/// Checks `actual` against `expected` elementwise: `|a - e| <= relative * bound + absolute`, where `bound`
/// (same shape, default `|expected|`) is the size of what was summed to make each element.
func expectClose(_ actual: Matrix, _ expected: Matrix, bound: Matrix? = nil, relative: Float = 1e-6,
                 absolute: Float = 1e-6, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(actual.shape == expected.shape, "\(context): shape", sourceLocation: sourceLocation)
  guard actual.shape == expected.shape else { return }
  let bound = bound ?? expected.magnitudes
  var worst: (index: Int, excess: Float)?
  for i in actual.scalars.indices {
    let a = actual.scalars[i], e = expected.scalars[i]
    let limit = relative * bound.scalars[i] + absolute
    let error = a == e ? 0 : abs(a - e)
    if !(error <= limit), worst == nil || error - limit > worst!.excess { worst = (i, error - limit) }
  }
  if let worst {
    let (r, c) = (worst.index / max(1, actual.columns), worst.index % max(1, actual.columns))
    let (a, e) = (actual.scalars[worst.index], expected.scalars[worst.index])
    Issue.record("\(context): [\(r), \(c)] is \(a), expected \(e)", sourceLocation: sourceLocation)
  }
}
