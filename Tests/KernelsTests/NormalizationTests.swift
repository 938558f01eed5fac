import Foundation
import Testing
import Kernels

/// Layer norm and softmax against the reference loops and double precision.
@Suite(.timeLimit(.minutes(5))) struct NormalizationTests {
  @Test(arguments: [1, 7, 8, 17, 64, 768])
  func layerNormMatchesReference(width: Int) {
    var random = Random(UInt64(width))
    for rows in [1, 3, 50] {
      let x = random.matrix(rows, width, scale: 3)
      let weight = random.floats(width), bias = random.floats(width)
      let y = layerNorm(x, weight: weight, bias: bias, epsilon: 1e-5)
      expectClose(y, Reference.layerNorm(x, weight: weight, bias: bias, epsilon: 1e-5),
                  bound: Matrix(rows: rows, columns: width, repeating: 4), "layerNorm \(rows)×\(width)")
    }
  }

  /// A large common offset must not cost precision (two passes, no E[x²] - E[x]²).
  @Test func layerNormWithLargeMeanMatchesDouble() {
    var random = Random(21)
    let width = 768
    let x = Matrix(rows: 2, columns: width, scalars: (0..<2 * width).map { _ in 1000 + random.float() })
    let ones = [Float](repeating: 1, count: width), zeros = [Float](repeating: 0, count: width)
    let y = layerNorm(x, weight: ones, bias: zeros, epsilon: 1e-5)
    for r in 0..<2 {
      let row = (0..<width).map { Double(x[r, $0]) }
      let mean = row.reduce(0, +) / Double(width)
      let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(width)
      for c in 0..<width {
        let exact = (row[c] - mean) / (variance + 1e-5).squareRoot()
        #expect(abs(Double(y[r, c]) - exact) < 2e-4, "[\(r), \(c)]")
      }
    }
  }

  @Test(arguments: [1, 5, 8, 9, 50, 77])
  func softmaxMatchesReference(width: Int) {
    var random = Random(UInt64(30 + width))
    var x = random.matrix(4, width, scale: 10)
    var expected = x
    softmaxRows(&x)
    Reference.softmaxRows(&expected)
    expectClose(x, expected, relative: 1e-6, absolute: 1e-7, "softmax width \(width)")
    for r in 0..<4 { #expect(abs(x.row(r).reduce(0, +) - 1) < 1e-5) }
  }

  @Test func softmaxMaskedEntriesAreZero() {
    var x = Matrix(rows: 2, columns: 11, scalars: (0..<22).map { i in i % 3 == 0 ? -.infinity : Float(i) / 7 })
    var expected = x
    softmaxRows(&x)
    Reference.softmaxRows(&expected)
    expectClose(x, expected, relative: 1e-6, absolute: 1e-7, "masked softmax")
    for i in stride(from: 0, to: 22, by: 3) { #expect(x.scalars[i] == 0) }
  }

  @Test func softmaxOfFullyMaskedRowIsNaNLikePyTorch() {
    var x = Matrix(rows: 1, columns: 9, repeating: -.infinity)
    softmaxRows(&x)
    #expect(x.scalars.allSatisfy { $0.isNaN })
  }
}
