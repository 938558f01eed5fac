import Transformer

/// SigLIP 2 NaFlex's position embeddings: a learned `grid × grid` table resized to each image's patch grid
/// (`Siglip2VisionEmbeddings.resize_positional_embeddings`).
///
/// transformers 5 computes the resize itself as a separable triangle filter: along an axis of `size` outputs,
/// `scale = grid / size`, `support = max(scale, 1)`, output `i` centred at `(i + 0.5) · scale − 0.5`, source `j`
/// weighted `max(0, 1 − |j − centre| / support)`, the weights normalized to sum 1; the 2-D weight is the product of
/// the row and column weights, and the resized table their product with the table. That is `F.interpolate(mode=
/// "bilinear", align_corners=False, antialias=True)` (aten's `upsample_bilinear2d_aa`), up- and down-scaling alike,
/// except where one output side is 1 and the other is not: there torch 2.15 repeats the first row and transformers'
/// own filter (the reference) does not. The steps are float32, in transformers' order; the sum of products is
/// accumulated in double and rounded once.
public struct NaFlexPositionEmbedding: Sendable {
  /// Positions per side of the learned table.
  public let grid: Int
  public let width: Int
  /// `grid × grid` rows of `width`, row-major over the grid.
  let table: [Float]

  /// - Precondition: `table` holds `grid × grid × width` values.
  public init(grid: Int, width: Int, table: [Float]) {
    precondition(grid > 0 && table.count == grid * grid * width, "NaFlexPositionEmbedding: \(table.count) values")
    self.grid = grid
    self.width = width
    self.table = table
  }

  /// The normalized weights of the `grid` sources for each of `size` outputs along one axis, `[size][grid]`.
  func axisWeights(size: Int) -> [[Float]] {
    let scale = Float(grid) / Float(size)
    let support = max(scale, 1)
    return (0..<size).map { i in
      let center = (Float(i) + 0.5) * scale - 0.5
      let weights = (0..<grid).map { j in max(0, 1 - abs(Float(j) - center) / support) }
      let total = weights.reduce(0, +)
      return weights.map { $0 / total }
    }
  }

  /// The table resized to `rows × columns`: one row of `width` per patch, row-major.
  /// - Precondition: `rows` and `columns` are positive.
  public func resized(rows: Int, columns: Int) -> [Float] {
    precondition(rows > 0 && columns > 0, "NaFlexPositionEmbedding: \(rows)×\(columns)")
    let rowWeights = axisWeights(size: rows), columnWeights = axisWeights(size: columns)
    // The sources each output reads (a weight of 0 adds nothing).
    func taps(_ weights: [Float]) -> [(index: Int, weight: Float)] {
      weights.enumerated().filter { $0.element != 0 }.map { ($0.offset, $0.element) }
    }
    let rowTaps = rowWeights.map(taps), columnTaps = columnWeights.map(taps)
    var output = [Float](repeating: 0, count: rows * columns * width)
    var sums = [Double](repeating: 0, count: width)
    for r in 0..<rows {
      for c in 0..<columns {
        for k in 0..<width { sums[k] = 0 }
        for (i, wr) in rowTaps[r] {
          for (j, wc) in columnTaps[c] {
            let weight = Double(wr * wc), base = (i * grid + j) * width
            for k in 0..<width { sums[k] += weight * Double(table[base + k]) }
          }
        }
        let base = (r * columns + c) * width
        for k in 0..<width { output[base + k] = Float(sums[k]) }
      }
    }
    return output
  }
}
