import Foundation
import Kernels
import Testing
@testable import CLIP
@testable import Transformer

/// `Encoder` runs a large batch of whole sequences in groups (`Encoder.groupRows`): every grouping gives the
/// outputs of the whole batch at once, bit for bit, for all rows and for the pooled rows, at every precision.
@Suite(.timeLimit(.minutes(5))) struct EncoderGroupingTests {
  @Test(arguments: LinearPrecision.allCases)
  func groupsGiveTheWholeBatchsOutputs(_ precision: LinearPrecision) throws {
    let model = try CLIPModel(directory: TestFixtures.checkpoint("tiny-clip"), precision: precision)
    let encoder = model.vision.encoder, width = model.vision.config.hiddenSize
    let lengths = [7, 3, 9, 1, 7, 12, 5]
    var sequences: [Range<Int>] = [], start = 0
    for length in lengths {
      sequences.append(start ..< start + length)
      start += length
    }
    var state: UInt64 = 7
    let x = Matrix(rows: start, columns: width, scalars: (0 ..< start * width).map { _ in
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return Float(state >> 40) / Float(1 << 23) - 1
    })
    let whole = encoder(x, scope: .sequences(sequences), groupRows: .max)
    let pooledRows = sequences.map(\.lowerBound)
    let wholePooled = encoder(x, scope: .sequences(sequences), outputs: pooledRows, groupRows: .max)
    #expect(Encoder.groups(sequences, rows: start, limit: .max) == nil)
    for limit in [1, 10, 16, 30] {
      let groups = try #require(Encoder.groups(sequences, rows: start, limit: limit))
      #expect(groups.flatMap { group in group.sequences.map { $0.count } } == lengths)
      #expect(groups.allSatisfy { $0.rows.count <= limit || $0.sequences.count == 1 })
      #expect(encoder(x, scope: .sequences(sequences), groupRows: limit) == whole, "\(precision), groups of \(limit)")
      #expect(encoder(x, scope: .sequences(sequences), outputs: pooledRows, groupRows: limit) == wholePooled,
              "\(precision), pooled, groups of \(limit)")
    }
    // Some outputs only: groups without one are skipped, the rest keep their order.
    let some = [pooledRows[1], pooledRows[1] + 2, pooledRows[5]]
    #expect(encoder(x, scope: .sequences(sequences), outputs: some, groupRows: 10)
            == encoder(x, scope: .sequences(sequences), outputs: some, groupRows: .max))
  }
}
