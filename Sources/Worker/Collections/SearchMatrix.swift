import Kernels

/// A collection's vectors as one matrix (rows in path order), packed once for the matrix multiply: a query's scores
/// against every row are one `linear` call (query · Vᵀ) on the SIMD kernels.
struct SearchMatrix: Sendable {
  let paths: [String]
  private let weights: LinearWeights

  init(_ collection: EmbeddingCollection) {
    let sorted = collection.entries.sorted { $0.key < $1.key }
    paths = sorted.map(\.key)
    var scalars: [Float] = []
    scalars.reserveCapacity(sorted.count * collection.dimension)
    for (_, entry) in sorted { scalars += entry.vector }
    weights = LinearWeights(weight: scalars, bias: nil, outFeatures: sorted.count, inFeatures: collection.dimension)
  }

  /// The dot product of `query` with every row (cosines, as both are unit length).
  /// - Complexity: O(rows × dimension) on `KernelThreads.count` threads.
  func scores(_ query: [Float]) -> [Float] {
    guard !paths.isEmpty else { return [] }
    return linear(Matrix(rows: 1, columns: query.count, scalars: query), weights).scalars
  }
}
