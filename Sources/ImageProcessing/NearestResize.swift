import ImageCodecs

/// Pillow's nearest-neighbour resize of an RGB image (`ImagingScaleAffine`): output pixel x reads input
/// pixel ⌊x₀⌋ where x₀ starts at half the scale and grows by the scale at each step. The positions are
/// accumulated by repeated double additions, as Pillow does, so that the rare index where accumulated
/// rounding differs from a direct product comes out the same.
func nearestWindow(_ image: RGBImage, width: Int, height: Int, columns: Range<Int>, rows: Range<Int>) -> [UInt8] {
  let sourceColumns = nearestIndices(inputSize: image.width, outputSize: width, upTo: columns.upperBound)
  let sourceRows = nearestIndices(inputSize: image.height, outputSize: height, upTo: rows.upperBound)
  let input = image.pixels
  let inputStride = image.width * 3
  var output = [UInt8]()
  output.reserveCapacity(rows.count * columns.count * 3)
  for row in rows {
    let sourceRow = sourceRows[row]
    for column in columns {
      let sourceColumn = sourceColumns[column]
      // Pillow fills positions that map outside the input with zeros.
      if let sourceRow, let sourceColumn {
        let pixel = sourceRow * inputStride + sourceColumn * 3
        output.append(contentsOf: input[pixel..<pixel + 3])
      } else {
        output.append(0)
        output.append(0)
        output.append(0)
      }
    }
  }
  return output
}

/// The input index read by each of the first `count` output positions, nil where it falls outside.
private func nearestIndices(inputSize: Int, outputSize: Int, upTo count: Int) -> [Int?] {
  // The source box is passed as C floats; the step is their difference widened to double.
  let step = Double(Float(inputSize)) / Double(outputSize)
  var position = step * 0.5
  var indices = [Int?]()
  indices.reserveCapacity(count)
  for _ in 0..<count {
    // Pillow's COORD: negative positions are out of range, others truncate.
    let index = position < 0 ? -1 : Int(position)
    indices.append(index >= 0 && index < inputSize ? index : nil)
    position += step
  }
  return indices
}
