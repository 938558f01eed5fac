import Testing
@testable import Worker

/// `SearchMatrix.search` (issue 17): through the int8 prefilter, the same paths and the same score bits as
/// `ranked(scores(query))`, which scores every row; for every topK (larger than the collection too), with and
/// without a threshold, and for an empty collection.
@Suite struct SearchMatrixTests {
  private struct Generator {
    var state: UInt64
    mutating func unit(_ count: Int) -> [Float] {
      let values: [Float] = (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)
      }
      let norm = values.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
      return values.map { $0 / norm }
    }
  }

  private func matrices(count: Int, dimension: Int, seed: UInt64) -> (plain: SearchMatrix, prefiltered: SearchMatrix) {
    var generator = Generator(state: seed)
    let scalars = (0..<count).flatMap { _ in generator.unit(dimension) }
    let paths = (0..<count).map { "/photos/\($0).jpg" }
    return (SearchMatrix(paths: paths, scalars: scalars, dimension: dimension, prefilter: false),
            SearchMatrix(paths: paths, scalars: scalars, dimension: dimension, prefilter: true))
  }

  private func expectSame(_ matrix: SearchMatrix, _ query: [Float], topK: Int, threshold: Double?,
                          _ what: String) -> Int {
    let (results, scored) = matrix.search(query, topK: topK, threshold: threshold)
    let expected = ranked(matrix.scores(query), threshold: threshold, topK: topK)
    #expect(results.map(\.index) == expected.map(\.index), "\(what)")
    #expect(results.map(\.score.bitPattern) == expected.map(\.score.bitPattern), "\(what)")
    return scored
  }

  @Test func prefilteredSearchEqualsScoringEveryRow() throws {
    let dimension = 77, count = 20_000
    let (plain, prefiltered) = matrices(count: count, dimension: dimension, seed: 5)
    #expect(!plain.isPrefiltered && prefiltered.isPrefiltered)
    #expect(prefiltered.bytesPerEntry == 77 * 4 + 80 + 8)
    var generator = Generator(state: 99)
    var fewer = 0
    for round in 0..<5 {
      let query = generator.unit(dimension)
      for topK in [1, 10, 100, count - 1, count, count + 5] {
        for threshold in [nil, 0.2, 2] as [Double?] {
          let what = "round \(round) topK \(topK) threshold \(String(describing: threshold))"
          let scored = expectSame(prefiltered, query, topK: topK, threshold: threshold, what)
          if scored < count { fewer += 1 }
          let plainResults = plain.search(query, topK: topK, threshold: threshold)
          #expect(plainResults.scored == count)
          let results = prefiltered.search(query, topK: topK, threshold: threshold).results
          #expect(results.map(\.index) == plainResults.results.map(\.index), "\(what)")
          #expect(results.map(\.score.bitPattern) == plainResults.results.map(\.score.bitPattern), "\(what)")
        }
      }
    }
    #expect(fewer >= 5 * 3 * 3, "the prefilter scored fewer rows than all for small topK")
  }

  @Test func emptyAndTinyCollections() {
    let empty = SearchMatrix(paths: [], scalars: [], dimension: 8, prefilter: true)
    #expect(empty.search([1, 0, 0, 0, 0, 0, 0, 0], topK: 10).results.isEmpty)
    #expect(empty.scores([1, 0, 0, 0, 0, 0, 0, 0]).isEmpty)
    let (_, one) = matrices(count: 1, dimension: 8, seed: 3)
    var generator = Generator(state: 4)
    #expect(one.search(generator.unit(8), topK: 10).results.map(\.index) == [0])
  }
}
