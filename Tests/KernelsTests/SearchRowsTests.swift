import Testing
import Kernels

/// The search prefilter (issue 17): the int8 kernels against integer sums computed here, the bounds holding for
/// every row, and `prefiltered` giving exactly the best rows and scores that scoring every row gives, on random data
/// and on data made to tie.
@Suite struct SearchRowsTests {
  /// Dimensions off the 4-deep groups, the 16-float steps and the 64-byte vectors.
  static let dimensions = [1, 3, 5, 17, 63, 65, 130, 512]
  static let counts = [1, 15, 16, 17, 33, 257]

  /// Row `v`'s integers as specified: `s = max |v| / 127`, `round(v / s)` ties to even, clamped to ±127.
  static func quantize(_ v: ArraySlice<Float>) -> [Int] {
    let top = v.map(abs).max() ?? 0
    let scale: Float = top > 0 ? top / 127 : 1
    return v.map { Int(max(-127, min(127, ($0 / scale).rounded(.toNearestOrEven)))) }
  }

  static func unitRows(_ count: Int, _ dimension: Int, _ random: inout Random) -> [Float] {
    var scalars = random.floats(count * dimension)
    normalizeRows(&scalars, dimension)
    return scalars
  }

  static func normalizeRows(_ scalars: inout [Float], _ dimension: Int) {
    for row in 0..<scalars.count / dimension {
      let range = row * dimension..<(row + 1) * dimension
      let norm = scalars[range].reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
      if norm > 0 { for index in range { scalars[index] /= norm } }
    }
  }

  /// The best `k` of `scores` scoring at least `threshold`: highest first, ties by row.
  static func best(_ rows: [Int], _ scores: [Float], k: Int, threshold: Double?) -> [(Int, Float)] {
    var kept: [(Int, Float)] = []
    for (row, score) in zip(rows, scores) where threshold.map({ Double(score) >= $0 }) ?? true {
      kept.append((row, score))
    }
    kept.sort { (a: (Int, Float), b: (Int, Float)) -> Bool in a.1 != b.1 ? a.1 > b.1 : a.0 < b.0 }
    return Array(kept.prefix(k))
  }

  /// What `prefiltered` must equal: `scores` of every row, ranked.
  static func expectSameBest(_ search: SearchRows, _ query: [Float], k: Int, threshold: Double? = nil,
                             _ what: String) throws {
    let all = search.scores(query)
    let expected = best(Array(0..<search.count), all, k: k, threshold: threshold)
    for kernel in Int8SearchKernel.available {
      let found = try #require(search.prefiltered(query, k: k, threshold: threshold, kernel: kernel), "\(what)")
      #expect(found.rows == found.rows.sorted(), "\(what) \(kernel): rows in order")
      #expect(zip(found.rows, found.scores).allSatisfy { all[$0.0].bitPattern == $0.1.bitPattern },
              "\(what) \(kernel): candidates' scores are the exact ones")
      let got = best(found.rows, found.scores, k: k, threshold: threshold)
      #expect(got.map(\.0) == expected.map(\.0), "\(what) \(kernel): rows")
      #expect(got.map(\.1.bitPattern) == expected.map(\.1.bitPattern), "\(what) \(kernel): scores")
    }
  }

  @Test func kernelsGiveTheExactIntegerSums() throws {
    var random = Random(17)
    for dimension in Self.dimensions {
      for count in Self.counts {
        let scalars = Self.unitRows(count, dimension, &random)
        let query = random.floats(dimension, scale: 3)
        let search = SearchRows(scalars: scalars, dimension: dimension)
        let q = Self.quantize(query[...])
        let expected = (0..<count).map { row in
          let v = Self.quantize(scalars[row * dimension..<(row + 1) * dimension])
          return Int32(zip(v, q).map { $0 * $1 }.reduce(0, +))
        }
        for kernel in Int8SearchKernel.available {
          let bounds = try #require(search.bounds(query, kernel: kernel))
          #expect(bounds.sums == expected, "\(kernel) \(count)×\(dimension)")
        }
      }
    }
  }

  @Test func kernelsAgreeOnExtremeBytes() throws {
    // Every row and the query at ±max: the sums' largest magnitudes (no overflow, the offset of 128 removed).
    for dimension in [64, 771, 4096] {
      let rows: [Float] = (0..<4 * dimension).map { index in index % 3 == 0 ? -1 : 1 }
      let query: [Float] = (0..<dimension).map { $0 % 2 == 0 ? 1 : -1 }
      let search = SearchRows(scalars: rows, dimension: dimension)
      let q = Self.quantize(query[...])
      let expected = (0..<4).map { row in
        Int32(zip(Self.quantize(rows[row * dimension..<(row + 1) * dimension]), q).map { $0 * $1 }.reduce(0, +))
      }
      for kernel in Int8SearchKernel.available {
        #expect(try #require(search.bounds(query, kernel: kernel)).sums == expected, "\(kernel) \(dimension)")
      }
    }
  }

  @Test func boundsHoldForEveryRow() throws {
    var random = Random(23)
    for dimension in Self.dimensions {
      let count = 300
      var scalars = Self.unitRows(count, dimension, &random)
      // Spiky rows (one large value: a coarse scale) and rows of one repeated value.
      for row in 0..<20 { scalars[row * dimension + row % dimension] = 40 }
      for index in 20 * dimension..<40 * dimension { scalars[index] = 0.5 }
      Self.normalizeRows(&scalars, dimension)
      let search = SearchRows(scalars: scalars, dimension: dimension)
      for trial in 0..<4 {
        var query = random.floats(dimension, scale: trial == 0 ? 1 : 1e-3)
        if trial == 3 { query = Array(scalars[0..<dimension]) }
        let exact = search.scores(query)
        let bounds = try #require(search.bounds(query))
        for row in 0..<count {
          #expect(bounds.lower[row] <= exact[row] && exact[row] <= bounds.upper[row],
                  "\(dimension) row \(row): \(bounds.lower[row]) ≤ \(exact[row]) ≤ \(bounds.upper[row])")
        }
      }
    }
  }

  @Test(arguments: [1, 10, 100])
  func prefilteredEqualsScoringEveryRowOnRandomData(k: Int) throws {
    var random = Random(UInt64(31 + k))
    for dimension in [5, 63, 130, 512] {
      let count = 5000 + dimension
      let search = SearchRows(scalars: Self.unitRows(count, dimension, &random), dimension: dimension)
      for _ in 0..<3 {
        var query = random.floats(dimension)
        let norm = query.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        query = query.map { $0 / norm }
        try Self.expectSameBest(search, query, k: k, "random \(count)×\(dimension) k \(k)")
      }
    }
  }

  @Test func prefilteredEqualsScoringEveryRowOnNearTies() throws {
    var random = Random(41)
    let dimension = 96, count = 6000
    // A tight cone: every row the same direction plus a perturbation from a few ulps (the same int8 row, different
    // scores) to about the int8 step (~2e-3 here: int8 orders these rows differently from their exact scores), many
    // exact duplicates; thousands of scores lie within the int8 error of each other and many are equal.
    let base = Self.unitRows(1, dimension, &random)
    var scalars: [Float] = []
    for row in 0..<count {
      let size: Float = [0, 1e-7, 1e-5, 5e-4, 2e-3][row % 5]
      let noise = random.floats(dimension, scale: size)
      scalars += zip(base, noise).map { $0 + $1 }
    }
    Self.normalizeRows(&scalars, dimension)
    let search = SearchRows(scalars: scalars, dimension: dimension)
    for k in [1, 7, 1000] {
      try Self.expectSameBest(search, base, k: k, "cone, query on its axis, k \(k)")
      let query = zip(base, random.floats(dimension, scale: 1e-2)).map { $0 + $1 }
      try Self.expectSameBest(search, query, k: k, "cone, query off its axis, k \(k)")
    }
    // Every row the same: every score ties, the best are the first rows.
    let same = SearchRows(scalars: Array(repeating: base, count: 500).flatMap { $0 }, dimension: dimension)
    try Self.expectSameBest(same, base, k: 5, "identical rows")
  }

  @Test func prefilteredWithAThreshold() throws {
    var random = Random(47)
    let dimension = 130
    let search = SearchRows(scalars: Self.unitRows(4000, dimension, &random), dimension: dimension)
    let query = Array(Self.unitRows(1, dimension, &random))
    let scores = search.scores(query).sorted(by: >)
    // Thresholds between, at and beyond the scores: some rows, exactly the 3rd score, none, all.
    for threshold in [Double(scores[20]), Double(scores[2]), Double(scores[0]) + 1e-3, -2] {
      for k in [1, 10, 50] {
        try Self.expectSameBest(search, query, k: k, threshold: threshold, "threshold \(threshold) k \(k)")
      }
    }
  }

  @Test func prefilterDeclinesWhatItCannotBound() {
    var random = Random(53)
    let search = SearchRows(scalars: Self.unitRows(40, 8, &random), dimension: 8)
    #expect(search.prefiltered(random.floats(8), k: 40) == nil, "k not below the row count")
    #expect(search.prefiltered([.nan] + random.floats(7), k: 3) == nil, "a query that is not finite")
    #expect(SearchRows(scalars: [], dimension: 8).prefiltered(random.floats(8), k: 1) == nil, "no rows")
    #expect(SearchRows(scalars: [], dimension: 8).scores(random.floats(8)) == [])
    #expect(SearchRows(scalars: [1, .infinity], dimension: 2).isQuantized == false, "rows that are not finite")
    #expect(SearchRows(scalars: Self.unitRows(40, 8, &random), dimension: 8, quantize: false).prefiltered(
      random.floats(8), k: 3) == nil)
  }

  @Test func exactDotMatchesADoubleSumClosely() {
    var random = Random(59)
    for count in [0, 1, 15, 16, 17, 31, 32, 33, 100, 513] {
      let a = random.floats(count), b = random.floats(count)
      let dot = a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in exactDot(a.baseAddress ?? UnsafePointer(bitPattern: 64)!,
                                                  b.baseAddress ?? UnsafePointer(bitPattern: 64)!, count) }
      }
      let reference = zip(a, b).map { Double($0) * Double($1) }.reduce(0, +)
      #expect(abs(Double(dot) - reference) <= 1e-6 * Double(max(count, 1)), "\(count)")
    }
  }
}
