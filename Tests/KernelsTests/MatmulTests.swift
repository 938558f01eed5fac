import Testing
import Kernels

/// `matmul` and `matmulTransposed` (packing on the fly) against the reference loops.
@Suite(.timeLimit(.minutes(5))) struct MatmulTests {
  @Test(arguments: [1, 5, 6, 7, 50, 77, 100])
  func matmulMatchesReference(rows: Int) {
    var random = Random(UInt64(100 + rows))
    for (k, n) in [(1, 1), (3, 17), (17, 33), (64, 50), (300, 16), (513, 3)] {
      let a = random.matrix(rows, k), b = random.matrix(k, n)
      expectClose(matmul(a, b), Reference.matmul(a, b), bound: Reference.matmul(a.magnitudes, b.magnitudes),
                  "matmul \(rows)×\(k)·\(k)×\(n)")
    }
  }

  @Test(arguments: [1, 5, 6, 7, 50, 77, 100])
  func matmulTransposedMatchesReference(rows: Int) {
    var random = Random(UInt64(200 + rows))
    for (k, n) in [(1, 1), (3, 17), (17, 33), (64, 50), (300, 16), (513, 3)] {
      let a = random.matrix(rows, k), b = random.matrix(n, k)
      expectClose(matmulTransposed(a, b), Reference.matmulTransposed(a, b),
                  bound: Reference.matmulTransposed(a.magnitudes, b.magnitudes),
                  "matmulᵀ \(rows)×\(k)·(\(n)×\(k))ᵀ")
    }
  }

  @Test func largeDepthAcrossManyBlocks() {
    var random = Random(9)
    let a = random.matrix(13, 3072), b = random.matrix(3072, 37)
    expectClose(matmul(a, b), Reference.matmul(a, b), bound: Reference.matmul(a.magnitudes, b.magnitudes),
                "13×3072·3072×37")
  }

  @Test func smallIntegersAreExact() {
    // Products and sums of small integers are exact in float, so every path must agree bit for bit.
    var random = Random(4)
    let a = Matrix(rows: 7, columns: 33, scalars: (0..<231).map { _ in Float(Int(random.float() * 8)) })
    let b = Matrix(rows: 33, columns: 19, scalars: (0..<627).map { _ in Float(Int(random.float() * 8)) })
    #expect(matmul(a, b) == Reference.matmul(a, b))
  }
}
