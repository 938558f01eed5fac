import Kernels
import Testing
@testable import Transformer

/// The token table at the faster precisions: int8 rows with a scale each, bfloat16 halves; F32 as it was.
@Suite(.timeLimit(.minutes(5))) struct EmbeddingTableTests {
  /// An odd-shaped table with rows of very different magnitudes, a zero row and a row with one large value.
  private func values(rows: Int, width: Int) -> [Float] {
    var state: UInt64 = 12345
    return (0 ..< rows * width).map { index in
      state = state &* 6364136223846793005 &+ 1442695040888963407
      let uniform = Float(state >> 40) / Float(1 << 24) * 2 - 1
      let row = index / width
      if row == 3 { return 0 }
      if row == 5 && index % width == 2 { return 40 }
      return uniform * Float(1 << (row % 7)) * 0.01
    }
  }

  @Test func float32KeepsTheValues() {
    let table = EmbeddingTable(reducing: values(rows: 9, width: 13), rows: 9, width: 13, precision: .float32)
    #expect(table.precision == .float32)
    let all = values(rows: 9, width: 13)
    for row in 0..<9 { #expect(table.row(row) == Array(all[row * 13 ..< (row + 1) * 13])) }
  }

  @Test(arguments: [(1, 1), (7, 13), (50, 257), (1025, 3)])
  func int8RowsAreWithinHalfAScaleOfEachValue(rows: Int, width: Int) {
    let all = values(rows: rows, width: width)
    // A chunk size that does not divide the rows, as the checkpoint loader reads them.
    let table = EmbeddingTable(reducing: { Array(all[$0.lowerBound * width ..< $0.upperBound * width]) }, rows: rows,
                               width: width, precision: .int8, chunkRows: 4)
    #expect(table.precision == .int8)
    for row in 0..<rows {
      let expected = Array(all[row * width ..< (row + 1) * width])
      let largest = expected.map(abs).max() ?? 0
      let scale = largest / 127
      let got = table.row(row)
      try! #require(got.count == width)
      for (value, reference) in zip(got, expected) {
        // The straightforward reference: round(value / scale) clamped, times the scale.
        let q = scale > 0 ? max(-127, min(127, (reference / scale).rounded(.toNearestOrEven))) : 0
        #expect(abs(value - q * scale) <= scale * 1e-5 + 1e-30, "row \(row): \(value) vs \(q * scale)")
        #expect(abs(value - reference) <= scale / 2 * 1.0001 + 1e-30, "row \(row): \(value) vs \(reference)")
      }
      // The largest magnitude of a row is kept (as ±127 times its scale).
      if largest > 0 { #expect(abs((got.map(abs).max() ?? 0) - largest) <= largest * 1e-6) }
    }
    // The zero row stays zero.
    if rows > 3 { #expect(table.row(3).allSatisfy { $0 == 0 }) }
  }

  @Test func bfloat16RowsAreTheValuesRounded() {
    let all = values(rows: 11, width: 7)
    let table = EmbeddingTable(reducing: all, rows: 11, width: 7, precision: .bfloat16)
    #expect(table.precision == .bfloat16)
    for row in 0..<11 {
      for (value, reference) in zip(table.row(row), all[row * 7 ..< (row + 1) * 7]) {
        #expect(value == Float(bitPattern: UInt32(bfloat16Bits(reference)) << 16))
        #expect(abs(value - reference) <= abs(reference) / 256)
      }
    }
  }
}
