/// The rows a search scores (a collection's unit vectors, row-major F32), with their int8 copy (`QuantizedRows`).
///
/// Every score is `exactDot`: one F32 dot product summed in a fixed order, whichever path computes it. `scores`
/// computes all of them. `prefiltered` computes the same numbers for fewer rows: it bounds every row's score from
/// the int8 copy and scores exactly only the rows that can be among the best `k` (or above the threshold), so the
/// best `k` it returns, ranked by the same rule, are exactly those of `scores`: the same rows and the same bits.
///
/// Memory per row: the F32 row (`4 · dimension` bytes), and the int8 copy (`dimension` rounded up to 4, plus 8
/// bytes): 2,568 bytes at 512 dimensions.
package struct SearchRows: Sendable {
  package let count: Int
  package let dimension: Int
  /// The rows as given (shared with the caller's array, not copied: at a million rows a copy is 2 GB of fresh pages).
  private let rows: [Float]
  private let quantized: QuantizedRows?

  /// `scalars`: `count` rows of `dimension` values, row-major. `quantize: false` leaves out the int8 copy (then
  /// `prefiltered` is nil).
  package init(scalars: [Float], dimension: Int, quantize: Bool = true) {
    precondition(dimension > 0 && scalars.count % dimension == 0, "SearchRows: \(scalars.count) × \(dimension)")
    count = scalars.count / dimension
    self.dimension = dimension
    rows = scalars
    let count = count
    quantized = quantize && count > 0
      ? scalars.withUnsafeBufferPointer { rows in
        QuantizedRows(rows: rows.baseAddress!, count: count, dimension: dimension, threads: KernelThreads.count)
      } : nil
  }

  /// Whether `prefiltered` can answer (the int8 copy exists).
  package var isQuantized: Bool { quantized != nil }

  /// Bytes held per row: the F32 row and the int8 copy.
  package var bytesPerRow: Int { dimension * 4 + (quantized?.bytesPerRow ?? 0) }

  /// `query · row` for every row, in row order.
  /// - Complexity: O(count × dimension) on `KernelThreads.count` threads.
  package func scores(_ query: [Float]) -> [Float] {
    precondition(query.count == dimension, "SearchRows.scores: a query of \(query.count) for \(dimension)")
    guard count > 0 else { return [] }
    let block = 2048, dimension = dimension, count = count
    return [Float](unsafeUninitializedCapacity: count) { out, initialized in
      let out = out.baseAddress!
      query.withUnsafeBufferPointer { q in rows.withUnsafeBufferPointer { rows in
        let q = q.baseAddress!, rows = rows.baseAddress!
        let threads = count * dimension >= 1 << 18 ? KernelThreads.count : 1
        parallelFor(items: (count + block - 1) / block, threads: threads) { item in
          for row in item * block..<min(count, (item + 1) * block) {
            out[row] = exactDot(q, rows + row * dimension, dimension)
          }
        }
      } }
      initialized = count
    }
  }

  /// What `prefiltered` found: the rows that can be among the best, with their exact scores (`scores`' numbers).
  package struct Candidates: Sendable {
    /// Ascending.
    package var rows: [Int]
    package var scores: [Float]
  }

  /// The rows that can rank among the `k` highest scores of `scores(query)` (ties included) and, given a
  /// `threshold`, score at least it; with their exact scores. Every row of the best `k` among those scoring at
  /// least `threshold` is in it. Nil when there is no int8 copy, `k` is not below `count`, or the query has a value
  /// that is not finite: then score every row.
  ///
  /// How: the int8 dot product of the quantized query with each row bounds the row's exact score `fᵢ` within
  /// `lᵢ ≤ fᵢ ≤ uᵢ` (`Bounds`). `τ`, the `k`-th largest `lᵢ`, is at most the `k`-th largest `fᵢ` (k rows have
  /// `fᵢ ≥ lᵢ ≥ τ`), so a row with `uᵢ < τ` scores strictly less than `k` others and is not among them, ties
  /// included; one with `uᵢ` below the threshold fails it. The others are scored exactly.
  ///
  /// The rows go by in chunks, each on one thread: the chunk's sums, bounds and the `k` largest `lᵢ` of the chunk,
  /// and the rows whose `uᵢ` reach the chunk's own `k`-th `lᵢ` (at most `τ`, so no row of the answer is lost).
  /// - Complexity: one pass over the int8 copy (a quarter of the F32 rows' bytes) on `KernelThreads.count` threads,
  ///   then `exactDot` for the candidates.
  package func prefiltered(_ query: [Float], k: Int, threshold: Double? = nil,
                           kernel: Int8SearchKernel = .best) -> Candidates? {
    precondition(query.count == dimension, "SearchRows.prefiltered: a query of \(query.count) for \(dimension)")
    precondition(k >= 1, "SearchRows.prefiltered: k = \(k)")
    guard let quantized, k < count, let quantizedQuery = QuantizedQuery(query, groups: quantized.groups) else {
      return nil
    }
    let bounds = Bounds(quantized, quantizedQuery)
    // The threshold as a float no larger: a row whose upper bound is below it scores below the threshold.
    let floor: Float = threshold.map { threshold in
      let f = Float(threshold)
      return Double(f) > threshold ? f.nextDown : f
    } ?? -.infinity
    let panelRows = QuantizedRows.panelRows
    // At least 4,096 rows (2 MB of int8 at 512 dimensions) and 8 k: a chunk's `k` largest bounds are a small part of
    // it, so that few rows pass its own bar.
    let chunkPanels = max(4096, 8 * k) / panelRows + 1
    let chunkRows = chunkPanels * panelRows
    let chunks = (count + chunkRows - 1) / chunkRows
    let found = UnsafeMutableBufferPointer<(lows: [Float], rows: [Int], uppers: [Float])>.allocate(capacity: chunks)
    found.initialize(repeating: ([], [], []))
    defer { found.deinitialize().deallocate() }
    let count = count
    parallelFor(items: chunks, threads: count * dimension >= 1 << 18 ? KernelThreads.count : 1) { chunk in
      let first = chunk * chunkRows, rowsHere = min(chunkRows, count - first)
      let panels = (rowsHere + panelRows - 1) / panelRows
      let sums = UnsafeMutablePointer<Int32>.allocate(capacity: panels * panelRows)
      let lower = UnsafeMutablePointer<Float>.allocate(capacity: rowsHere)
      let upper = UnsafeMutablePointer<Float>.allocate(capacity: rowsHere)
      defer {
        sums.deallocate()
        lower.deallocate()
        upper.deallocate()
      }
      kernel.dots(quantized, firstPanel: first / panelRows, panelCount: panels, query: quantizedQuery, sums: sums)
      bounds.fill(rows: first, count: rowsHere, sums: sums, lower: lower, upper: upper)
      var lows = LargestValues(k)
      for row in 0..<rowsHere { lows.insert(lower[row]) }
      let bar = max(lows.isFull ? lows.smallest : -.infinity, floor)
      var rows: [Int] = [], uppers: [Float] = []
      for row in 0..<rowsHere where upper[row] >= bar {
        rows.append(first + row)
        uppers.append(upper[row])
      }
      found[chunk] = (lows.values, rows, uppers)
    }
    var lows = LargestValues(k)
    for chunk in found { for low in chunk.lows { lows.insert(low) } }
    let tau = lows.isFull ? lows.smallest : -Float.infinity
    var rows: [Int] = []
    for chunk in found {
      for (row, upper) in zip(chunk.rows, chunk.uppers) where upper >= tau { rows.append(row) }
    }
    return Candidates(rows: rows, scores: exactScores(query, rows: rows))
  }

  /// For tests: each row's int8 sum `q̂ · v̂` and its bounds `lᵢ ≤ exactDot ≤ uᵢ` (see `Bounds`), on `kernel`; nil as
  /// for `prefiltered`.
  package func bounds(_ query: [Float], kernel: Int8SearchKernel = .best)
    -> (sums: [Int32], lower: [Float], upper: [Float])?
  {
    guard let quantized, let quantizedQuery = QuantizedQuery(query, groups: quantized.groups) else { return nil }
    let panels = quantized.panelCount
    var sums = [Int32](repeating: 0, count: panels * QuantizedRows.panelRows)
    var lower = [Float](repeating: 0, count: count), upper = lower
    sums.withUnsafeMutableBufferPointer { sums in
      kernel.dots(quantized, firstPanel: 0, panelCount: panels, query: quantizedQuery, sums: sums.baseAddress!)
      lower.withUnsafeMutableBufferPointer { lower in
        upper.withUnsafeMutableBufferPointer { upper in
          Bounds(quantized, quantizedQuery).fill(rows: 0, count: count, sums: sums.baseAddress!,
                                                 lower: lower.baseAddress!, upper: upper.baseAddress!)
        }
      }
    }
    return (sums.prefix(count).map { $0 - quantizedQuery.compensation }, lower, upper)
  }

  /// `exactDot` for each of `rows`.
  private func exactScores(_ query: [Float], rows selected: [Int]) -> [Float] {
    guard !selected.isEmpty else { return [] }
    let block = 512, dimension = dimension
    return [Float](unsafeUninitializedCapacity: selected.count) { out, initialized in
      let out = out.baseAddress!
      query.withUnsafeBufferPointer { q in rows.withUnsafeBufferPointer { rows in
        selected.withUnsafeBufferPointer { selected in
          let q = q.baseAddress!, rows = rows.baseAddress!
          parallelFor(items: (selected.count + block - 1) / block,
                      threads: selected.count >= 2 * block ? KernelThreads.count : 1) { item in
            for index in item * block..<min(selected.count, (item + 1) * block) {
              out[index] = exactDot(q, rows + selected[index] * dimension, dimension)
            }
          }
        }
      } }
      initialized = selected.count
    }
  }
}

/// One query's bounds on every row's exact score, from the row's int8 sum.
///
/// With `q = S q̂ + δ` (the query's scale, integers and residual) and `v = s v̂ + r` (the row's):
/// `q · v = S s (q̂ · v̂) + s (δ · v̂) + q · r`, and `|q · r| ≤ ‖q‖ e`, `|s δ · v̂| ≤ ‖δ‖ ‖s v̂‖ ≤ ‖δ‖ (‖v‖ + e)`. So the real
/// `q · v` is within `(‖q‖ + ‖δ‖) e + ‖δ‖ V` of `A = S s D` (`D = q̂ · v̂`, exact in `Int32`; `V ≥` every row's norm).
///
/// The float margin `ε` covers every rounding between that real statement and the floats compared:
/// - the exact score `f = exactDot(q, v)`: any summation order in which each product is rounded once and passes
///   through at most `d - 1` additions is within `γ_d Σ|qⱼ vⱼ| ≤ γ_d ‖q‖ V` of `q · v`, `γ_d = d u / (1 - d u)`,
///   `u = 2⁻²⁴` (Higham, Accuracy and Stability, 3.1); `exactDot` is such an order (fused products round once);
/// - `a = (S · s) · Float(D)`: three roundings (`Float(D)` is exact below 2²⁴), at most `3.01 u |A|`;
/// - `b = α e + β` in floats: two roundings, at most `2.01 u b`; `a - b` and `a + b`: one each, `u |a ± b|`.
/// Each of `|A|`, `|a|`, `b` and `‖q‖ V` is at most `K (1 + 4u)` with `K = ‖q‖ V + (‖q‖ + ‖δ‖) E + ‖δ‖ V` (`E` the
/// largest `e`), so `ε = (γ_d + 16 u) K (1 + 2⁻¹⁰)` (plus the smallest normal float, for underflow in the dot)
/// covers them all with room, and `lᵢ = aᵢ - bᵢ ≤ fᵢ ≤ aᵢ + bᵢ = uᵢ` with `bᵢ = α eᵢ + β`, `α ≥ ‖q‖ + ‖δ‖`,
/// `β ≥ ‖δ‖ V + ε`. At 512 dimensions `ε` is about 6e-5, against `eᵢ` near 8e-3 for unit vectors.
private struct Bounds {
  let scales: UnsafePointer<Float>
  let errors: UnsafePointer<Float>
  let queryScale: Float
  let compensation: Int32
  let alpha: Float
  let beta: Float

  init(_ rows: QuantizedRows, _ query: QuantizedQuery) {
    scales = UnsafePointer(rows.scales.pointer)
    errors = UnsafePointer(rows.errors.pointer)
    queryScale = query.scale
    compensation = query.compensation
    let u = 0x1p-24, d = Double(rows.dimension)
    let gamma = d * u / (1 - d * u)
    let (q, delta, v, e) = (query.norm, query.residual, rows.maximumNorm, rows.maximumError)
    let k = q * v + (q + delta) * e + delta * v
    let epsilon = (gamma + 16 * u) * k * (1 + 0x1p-10) + Double(Float.leastNormalMagnitude)
    alpha = roundedUp(q + delta)
    beta = roundedUp(delta * v + epsilon)
  }

  /// `lower[j]` and `upper[j]` of rows `first + j`, `j < count`, from their sums (with the query's compensation).
  func fill(rows first: Int, count: Int, sums: UnsafePointer<Int32>, lower: UnsafeMutablePointer<Float>,
            upper: UnsafeMutablePointer<Float>) {
    for j in 0..<count {
      let a = (queryScale * scales[first + j]) * Float(sums[j] &- compensation)
      let b = alpha * errors[first + j] + beta
      lower[j] = a - b
      upper[j] = a + b
    }
  }
}

/// The `k` largest of the values inserted (all of them while fewer), as a min-heap.
private struct LargestValues {
  private(set) var values: [Float] = []
  let k: Int

  init(_ k: Int) {
    self.k = k
    values.reserveCapacity(k)
  }

  var isFull: Bool { values.count == k }
  /// The smallest kept: the `k`-th largest once full.
  var smallest: Float { values[0] }

  mutating func insert(_ value: Float) {
    if values.count < k {
      values.append(value)
      var child = values.count - 1
      while child > 0 {
        let parent = (child - 1) / 2
        guard values[child] < values[parent] else { break }
        values.swapAt(child, parent)
        child = parent
      }
    } else if value > values[0] {
      values[0] = value
      var parent = 0
      while true {
        let left = 2 * parent + 1, right = left + 1
        var smallest = parent
        if left < k, values[left] < values[smallest] { smallest = left }
        if right < k, values[right] < values[smallest] { smallest = right }
        if smallest == parent { break }
        values.swapAt(parent, smallest)
        parent = smallest
      }
    }
  }
}

/// `a · b` over `count` floats, always in this order: 32 lanes of fused multiply-adds (two 16-lane accumulators
/// over 32-float steps, then one 16-float step), the lanes added pairwise, then the remaining elements one fused
/// multiply-add each. A product's path into the sum has at most `count` roundings (`count / 32 + 21` for long rows),
/// as `Bounds`' argument needs. Not inlined, so that every caller runs the same code.
@inline(never)
package func exactDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
  let pa = UnsafeRawPointer(a), pb = UnsafeRawPointer(b)
  var s0 = SIMD16<Float>(), s1 = SIMD16<Float>()
  var k = 0
  while k + 32 <= count {
    s0 = s0.addingProduct(pa.loadUnaligned(fromByteOffset: k * 4, as: SIMD16<Float>.self),
                          pb.loadUnaligned(fromByteOffset: k * 4, as: SIMD16<Float>.self))
    s1 = s1.addingProduct(pa.loadUnaligned(fromByteOffset: k * 4 + 64, as: SIMD16<Float>.self),
                          pb.loadUnaligned(fromByteOffset: k * 4 + 64, as: SIMD16<Float>.self))
    k += 32
  }
  if k + 16 <= count {
    s0 = s0.addingProduct(pa.loadUnaligned(fromByteOffset: k * 4, as: SIMD16<Float>.self),
                          pb.loadUnaligned(fromByteOffset: k * 4, as: SIMD16<Float>.self))
    k += 16
  }
  let s = s0 + s1
  let s8 = s.lowHalf + s.highHalf
  let s4 = s8.lowHalf + s8.highHalf
  let s2 = s4.lowHalf + s4.highHalf
  var sum = s2[0] + s2[1]
  while k < count {
    sum = sum.addingProduct(a[k], b[k])
    k += 1
  }
  return sum
}
