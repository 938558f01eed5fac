import Testing
@testable import Worker

/// `ranked`: its one-pass top-K selection gives what a full stable sort gives (ties by position, threshold).
@Suite struct RankedTests {
  private func bySorting(_ scores: [Float], threshold: Double?, topK: Int) -> [Int] {
    scores.enumerated().filter { threshold == nil || Double($0.element) >= threshold! }
      .sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }
      .prefix(topK).map(\.offset)
  }

  @Test func topKEqualsAFullStableSort() {
    var state: UInt64 = 42
    for round in 0..<50 {
      // Few distinct values, so that ties are common.
      let scores: [Float] = (0..<500).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(Int(state >> 59)) / 8 - 1
      }
      for topK in [1, 3, 10, 62, 500] {
        for threshold in [nil, 0.25] as [Double?] {
          #expect(ranked(scores, threshold: threshold, topK: topK).map(\.index)
                  == bySorting(scores, threshold: threshold, topK: topK), "round \(round) topK \(topK)")
        }
      }
    }
    #expect(ranked([], topK: 10).isEmpty)
    #expect(ranked([0.5, 0.7], topK: nil).map(\.index) == [1, 0])
  }
}
