import Kernels
import Testing
@testable import Transformer

/// A reduced token table's exact columns (the channels the encoder's norms amplify): their values as stored, and
/// the other columns quantized with a row scale those columns do not count in.
@Suite struct EmbeddingTableExactColumnsTests {
  @Test(arguments: [LinearPrecision.int8, .bfloat16])
  func exactColumnsKeepTheirValues(_ precision: LinearPrecision) {
    let (rows, width, exact) = (11, 13, [0, 6, 12])
    var state: UInt64 = 99
    let all: [Float] = (0 ..< rows * width).map { index in
      state = state &* 6364136223846793005 &+ 1442695040888963407
      let uniform = Float(state >> 40) / Float(1 << 24) * 2 - 1
      return exact.contains(index % width) ? 50 * uniform + 0.123456789 : uniform
    }
    let table = EmbeddingTable(reducing: { Array(all[$0.lowerBound * width ..< $0.upperBound * width]) }, rows: rows,
                               width: width, precision: precision, chunkRows: 4, exact: exact)
    #expect(table.precision == precision)
    for row in 0..<rows {
      let expected = Array(all[row * width ..< (row + 1) * width]), got = table.row(row)
      try! #require(got.count == width)
      let rest = expected.indices.filter { !exact.contains($0) }
      let scale = rest.map { abs(expected[$0]) }.max()! / 127
      for column in exact { #expect(got[column] == expected[column], "row \(row) column \(column)") }
      for column in rest {
        let bound = precision == .int8 ? scale / 2 * 1.0001 : abs(expected[column]) / 256
        #expect(abs(got[column] - expected[column]) <= bound, "row \(row) column \(column)")
      }
    }
  }
}
