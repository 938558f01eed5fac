/// Softmax of each row, in place: `exp(x - max) / sum`. Entries of `-inf` (masked positions) become exactly 0;
/// a row that is entirely `-inf` becomes NaN, as in PyTorch.
public func softmaxRows(_ x: inout Matrix) {
  let rows = x.rows, n = x.columns
  guard rows > 0, n > 0 else { return }
  x.scalars.withUnsafeMutableBufferPointer { buffer in
    let base = buffer.start
    for r in 0..<rows { softmaxRow(base + r * n, count: n, scale: 1) }
  }
}

/// Softmax of `scale * row[0..<count]`, in place.
@inline(__always)
func softmaxRow(_ row: UnsafeMutablePointer<Float>, count n: Int, scale: Float) {
  let vectorEnd = n & ~7, tail = n - vectorEnd
  let scaleVector = SIMD8<Float>(repeating: scale)
  var maxVector = SIMD8<Float>(repeating: -.infinity)
  var j = 0
  while j < vectorEnd { maxVector = vmax(maxVector, load8(row + j) * scaleVector); j += 8 }
  var m = horizontalMax(maxVector)
  for i in vectorEnd..<n { m = max(m, row[i] * scale) }
  let mVector = SIMD8<Float>(repeating: m)
  var sumVector = SIMD8<Float>()
  j = 0
  while j < vectorEnd {
    let e = vexp(load8(row + j) * scaleVector - mVector)
    store8(e, row + j)
    sumVector += e
    j += 8
  }
  var sum = sumVector.sum()
  if tail > 0 {
    let e = vexp(loadPartial(row + vectorEnd, tail) * scaleVector - mVector)
    for i in 0..<tail { sum += e[i] }
    storePartial(e, row + vectorEnd, tail)
  }
  let sumSplat = SIMD8<Float>(repeating: sum)
  j = 0
  while j < vectorEnd { store8(load8(row + j) / sumSplat, row + j); j += 8 }
  for i in vectorEnd..<n { row[i] /= sum }
}
