import Kernels

/// A collection's vectors as one matrix (rows in path order), packed once for the matrix multiply: a query's scores
/// against every row are one `linear` call (query · Vᵀ) on the SIMD kernels.
package struct SearchMatrix: Sendable {
  package let paths: [String]
  private let weights: LinearWeights

  init(_ collection: EmbeddingCollection) {
    let sorted = collection.entries.sorted { $0.key < $1.key }
    var scalars: [Float] = []
    scalars.reserveCapacity(sorted.count * collection.dimension)
    for (_, entry) in sorted { scalars += entry.vector }
    self.init(paths: sorted.map(\.key), scalars: scalars, dimension: collection.dimension)
  }

  /// Rows `scalars` (row-major, `dimension` wide, unit length), one per path; for benchmarks.
  package init(paths: [String], scalars: [Float], dimension: Int) {
    precondition(scalars.count == paths.count * dimension, "SearchMatrix: \(scalars.count) scalars")
    self.paths = paths
    weights = LinearWeights(weight: scalars, bias: nil, outFeatures: paths.count, inFeatures: dimension)
  }

  /// The dot product of `query` with every row (cosines, as both are unit length).
  /// - Complexity: O(rows × dimension) on `KernelThreads.count` threads.
  package func scores(_ query: [Float]) -> [Float] {
    guard !paths.isEmpty else { return [] }
    return linear(Matrix(rows: 1, columns: query.count, scalars: query), weights).scalars
  }
}
