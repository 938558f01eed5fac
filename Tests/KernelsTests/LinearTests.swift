import Testing
import Kernels

/// The packed, blocked `linear` against `Reference.linear` on shapes that hit every edge of the blocking:
/// row counts around the 6-row micro-panels, widths that are not multiples of 16 or 8, depths beyond one
/// depth block, every activation, with and without bias and residual.
@Suite(.timeLimit(.minutes(5))) struct LinearTests {
  static let rowCounts = [1, 2, 3, 5, 6, 7, 13, 50, 77, 100]
  static let widths = [1, 3, 17, 33, 48]
  static let depths = [1, 3, 17, 300, 600]

  @Test(arguments: rowCounts)
  func matchesReferenceOnAwkwardShapes(rows: Int) {
    var random = Random(UInt64(rows))
    for n in Self.widths {
      for k in Self.depths {
        let x = random.matrix(rows, k)
        let w = random.matrix(n, k)
        let layer = LinearWeights(weight: w.scalars, bias: random.floats(n), outFeatures: n, inFeatures: k)
        let bound = Reference.matmulTransposed(x.magnitudes, w.magnitudes)
        expectClose(linear(x, layer), Reference.linear(x, layer), bound: bound, "linear \(rows)×\(k)·\(k)×\(n)")
      }
    }
  }

  @Test(arguments: Activation.allCases)
  func everyActivationWithBiasAndResidual(activation: Activation) {
    var random = Random(7)
    for (m, n, k) in [(1, 33, 17), (7, 17, 300), (50, 48, 64), (77, 130, 40)] {
      let x = random.matrix(m, k, scale: 2)
      let w = random.matrix(n, k)
      let bias = random.floats(n)
      let residual = random.matrix(m, n)
      let layer = LinearWeights(weight: w.scalars, bias: bias, outFeatures: n, inFeatures: k)
      // Errors of the sum pass through the activation (slope <= 1.13) and the residual adds one rounding.
      var bound = Reference.matmulTransposed(x.magnitudes, w.magnitudes)
      for i in bound.scalars.indices { bound.scalars[i] += 2 + abs(residual.scalars[i]) }
      expectClose(linear(x, layer, activation: activation, adding: residual),
                  Reference.linear(x, layer, activation: activation, adding: residual), bound: bound,
                  relative: 2e-6, "\(activation) \(m)×\(k)·\(k)×\(n)")
    }
  }

  /// More than one block of 16 panels (Gemm.columnBlock) and two depth blocks, with a ragged last panel.
  @Test(arguments: [1, 2, 13])
  func wideLayerAcrossColumnBlocks(rows: Int) {
    var random = Random(UInt64(300 + rows))
    let x = random.matrix(rows, 1000), w = random.matrix(520, 1000)
    let layer = LinearWeights(weight: w.scalars, bias: random.floats(520), outFeatures: 520, inFeatures: 1000)
    expectClose(linear(x, layer, activation: .geluTanh), Reference.linear(x, layer, activation: .geluTanh),
                bound: Reference.matmulTransposed(x.magnitudes, w.magnitudes), "\(rows)×1000·1000×520")
  }

  /// Many rows (beyond `Gemm.fewRows`): row blocks of 96, two depth blocks with partial sums reloaded, more than
  /// one column block, every epilogue part. Each row is also bit for bit what it is among few rows, which take
  /// the other blocking (one row block, one chunk per thread).
  @Test func manyRowsMatchReferenceAndFewRows() {
    var random = Random(17)
    let (m, k, n) = (301, 1000, 520)
    let x = random.matrix(m, k), w = random.matrix(n, k), residual = random.matrix(m, n)
    let layer = LinearWeights(weight: w.scalars, bias: random.floats(n), outFeatures: n, inFeatures: k)
    let many = linear(x, layer, activation: .quickGELU, adding: residual)
    var bound = Reference.matmulTransposed(x.magnitudes, w.magnitudes)
    for i in bound.scalars.indices { bound.scalars[i] += 2 + abs(residual.scalars[i]) }
    expectClose(many, Reference.linear(x, layer, activation: .quickGELU, adding: residual), bound: bound,
                relative: 2e-6, "\(m)×\(k)·\(k)×\(n)")
    for rows in [0 ..< 50, 251 ..< 301] {
      #expect(linear(x.rows(rows), layer, activation: .quickGELU, adding: residual.rows(rows)) == many.rows(rows),
              "rows \(rows)")
    }
  }

  @Test func withoutBias() {
    var random = Random(11)
    let x = random.matrix(9, 40), w = random.matrix(20, 40)
    let layer = LinearWeights(weight: w.scalars, bias: nil, outFeatures: 20, inFeatures: 40)
    expectClose(linear(x, layer, activation: .quickGELU), Reference.linear(x, layer, activation: .quickGELU),
                bound: Reference.matmulTransposed(x.magnitudes, w.magnitudes), "no bias")
  }

  @Test func emptyShapes() {
    let layer = LinearWeights(weight: [], bias: [0.5, -1], outFeatures: 2, inFeatures: 0)
    let y = linear(Matrix(rows: 3, columns: 0), layer, activation: .identity)
    #expect(y == Matrix(rows: 3, columns: 2, scalars: [0.5, -1, 0.5, -1, 0.5, -1]))
    let none = linear(Matrix(rows: 0, columns: 0), layer)
    #expect(none.shape == [0, 2])
  }

  @Test func packedWeightsReadBackAsGiven() {
    var random = Random(3)
    let w = random.floats(17 * 5)
    let layer = LinearWeights(weight: w, bias: nil, outFeatures: 17, inFeatures: 5)
    for o in 0..<17 { for i in 0..<5 { #expect(layer.weight(output: o, input: i) == w[o * 5 + i]) } }
  }

  /// A row's output does not depend on the rows around it: batching texts or images changes nothing.
  @Test func rowsAreIndependentOfTheBatch() {
    var random = Random(5)
    let x = random.matrix(50, 70), w = random.matrix(40, 70)
    let layer = LinearWeights(weight: w.scalars, bias: random.floats(40), outFeatures: 40, inFeatures: 70)
    let batch = linear(x, layer, activation: .gelu)
    for r in [0, 5, 6, 31, 49] {
      #expect(linear(x.rows(r ..< r + 1), layer, activation: .gelu).scalars == Array(batch.row(r)), "row \(r)")
    }
    #expect(linear(x.rows(3 ..< 10), layer, activation: .gelu) == batch.rows(3 ..< 10))
  }
}
