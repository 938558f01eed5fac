import Foundation
import Kernels
import Testing
@testable import CLIP
@testable import Transformer

/// The token embedding table follows the precision (int8 rows, bfloat16 halves) and stays F32 at F32, where the
/// parity suites keep the embeddings exact; the reduced tables' rows stay close to the checkpoint's.
@Suite(.timeLimit(.minutes(5))) struct TokenTablePrecisionTests {
  @Test func theTableFollowsThePrecision() throws {
    let directory = TestFixtures.checkpoint("tiny-clip")
    let exact = try CLIPModel(directory: directory, precision: .float32).text.tokenEmbedding
    #expect(exact.precision == .float32)
    for precision in [LinearPrecision.int8, .bfloat16] {
      let table = try CLIPModel(directory: directory, precision: precision).text.tokenEmbedding
      #expect(table.precision == precision)
      try #require(table.rows == exact.rows && table.width == exact.width)
      for row in 0..<table.rows {
        let reference = exact.row(row), reduced = table.row(row)
        let largest = reference.map(abs).max() ?? 0
        // int8: within half a step of the row's scale; bfloat16: within half a unit in the 8th bit.
        let bound = precision == .int8 ? largest / 127 / 2 * 1.0001 : largest / 256
        #expect(zip(reference, reduced).allSatisfy { abs($0 - $1) <= bound }, "row \(row) at \(precision)")
      }
    }
  }
}
