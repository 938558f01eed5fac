import Kernels

/// A collection's vectors as rows (in path order) for search: F32 rows scored by one exact dot product each
/// (`SearchRows`), with an int8 copy that bounds every score so that a large collection's query scores exactly only
/// the rows that can be among its best (`SearchRows.prefiltered`). Both ways give the same paths and the same scores.
package struct SearchMatrix: Sendable {
  /// Below this many rows a query scores every row (well under 0.1 ms at 512 dimensions) and no int8 copy is kept.
  /// From 1,000 rows up the prefilter was the faster (`clip-bench search`: 1.7x at 1,000, 2.3x at 4,000, 3.5x at
  /// 1,000,000).
  package static let prefilterRows = 1_024

  package let paths: [String]
  private let rows: SearchRows

  init(_ collection: EmbeddingCollection) {
    let sorted = collection.entries.sorted { $0.key < $1.key }
    var scalars: [Float] = []
    scalars.reserveCapacity(sorted.count * collection.dimension)
    for (_, entry) in sorted { scalars += entry.vector }
    self.init(paths: sorted.map(\.key), scalars: scalars, dimension: collection.dimension)
  }

  /// Rows `scalars` (row-major, `dimension` wide, unit length), one per path; `prefilter: false` never builds the
  /// int8 copy (every query scores every row). For benchmarks and tests too.
  package init(paths: [String], scalars: [Float], dimension: Int, prefilter: Bool? = nil) {
    precondition(scalars.count == paths.count * dimension, "SearchMatrix: \(scalars.count) scalars")
    self.paths = paths
    rows = SearchRows(
      scalars: scalars, dimension: dimension, quantize: prefilter ?? (paths.count >= Self.prefilterRows))
  }

  /// Whether queries go through the int8 prefilter.
  package var isPrefiltered: Bool { rows.isQuantized }

  /// Bytes held per entry (F32 row, and the int8 copy when prefiltered); the paths not counted.
  package var bytesPerEntry: Int { rows.bytesPerRow }

  /// The dot product of `query` with every row (cosines, as both are unit length).
  /// - Complexity: O(rows × dimension) on `KernelThreads.count` threads.
  package func scores(_ query: [Float]) -> [Float] {
    guard !paths.isEmpty else { return [] }
    return rows.scores(query)
  }

  /// The `topK` best rows scoring at least `threshold`, highest first, ties in path order: `ranked(scores(query),
  /// threshold:, topK:)`, through the prefilter when there is one (its int8 pass on `kernel`); and how many rows
  /// were scored exactly.
  package func search(_ query: [Float], topK: Int, threshold: Double? = nil, kernel: Int8SearchKernel = .best)
    -> (results: [(index: Int, score: Float)], scored: Int)
  {
    if rows.isQuantized, let candidates = rows.prefiltered(query, k: topK, threshold: threshold, kernel: kernel) {
      // Candidates are in row order, so `ranked`'s ties by position are ties by row.
      let best = ranked(candidates.scores, threshold: threshold, topK: topK)
      return (best.map { (candidates.rows[$0.index], $0.score) }, candidates.rows.count)
    }
    return (ranked(scores(query), threshold: threshold, topK: topK), paths.count)
  }
}
