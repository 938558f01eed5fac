import Kernels
import Testing
import Transformer

/// The causal batch's layout: shared beginnings once, each sequence's last row, always a causal scope.
@Suite(.timeLimit(.minutes(5))) struct SharedPrefixBatchTests {
  @Test func sequencesThatBeginAlikeShareTheirRows() throws {
    let batch = SharedPrefixBatch([[7, 1, 2, 9], [7, 1, 3], [7, 1, 2, 9], [5]])
    // Rows: 7, 1, 2, 9 | 3 | 5 — the third sequence is the first again.
    #expect(batch.tokens.map(\.id) == [7, 1, 2, 9, 3, 5])
    #expect(batch.tokens.map(\.position) == [0, 1, 2, 3, 2, 0])
    #expect(batch.lastRows == [3, 4, 3, 5])
    guard case let .causal(tree) = batch.scope else {
      Issue.record("a shared-prefix batch must be causal, found \(batch.scope)")
      return
    }
    #expect(tree.parents == [nil, 0, 1, 2, 1, nil])
  }

  @Test func anIDRepeatedAtAnotherPositionIsNotShared() {
    // [4, 4] and [4]: the second 4 follows a 4, so it is a row of its own; [4] is the first row.
    let batch = SharedPrefixBatch([[4, 4], [4]])
    #expect(batch.tokens.map(\.position) == [0, 1])
    #expect(batch.lastRows == [1, 0])
  }
}
