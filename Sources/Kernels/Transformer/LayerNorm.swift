/// Layer normalization of each row: `(x - mean) / sqrt(var + epsilon) * weight + bias`, with the biased
/// variance (as PyTorch). Each row is read while it sits in L1: one pass for the mean, one for the variance
/// about that mean (no cancellation from `E[x²] - E[x]²`), one to write.
///
/// - Precondition: `weight` and `bias` have `x.columns` elements.
public func layerNorm(_ x: Matrix, weight: [Float], bias: [Float], epsilon: Float) -> Matrix {
  precondition(weight.count == x.columns && bias.count == x.columns,
               "layerNorm: \(weight.count)/\(bias.count) parameters for \(x.shape)")
  let rows = x.rows, n = x.columns
  guard rows > 0, n > 0 else { return x }
  // From 16k elements: a batch-1 image's 50 × 768 rows take both threads (0.5 ms less per image).
  let threads = rows * n >= 1 << 14 ? min(KernelThreads.count, rows) : 1
  let scalars = [Float](writingAll: rows * n) { output in
    x.scalars.withUnsafeBufferPointer { input in
      weight.withUnsafeBufferPointer { w in
        bias.withUnsafeBufferPointer { b in
          let (source, target, w, b) = (input.start, output, w.start, b.start)
          parallelFor(items: threads, threads: threads) { part in
            for r in Gemm.split(rows, into: threads, part: part) {
              normalizeRow(source + r * n, into: target + r * n, count: n, weight: w, bias: b, epsilon: epsilon)
            }
          }
        }
      }
    }
  }
  return Matrix(rows: rows, columns: n, scalars: scalars)
}

@inline(__always)
private func normalizeRow(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count n: Int,
                          weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, epsilon: Float) {
  let vectorEnd = n & ~7
  var s0 = SIMD8<Float>(), s1 = SIMD8<Float>()
  var j = 0
  while j + 16 <= vectorEnd { s0 += load8(x + j); s1 += load8(x + j + 8); j += 16 }
  if j < vectorEnd { s0 += load8(x + j) }
  var sum = (s0 + s1).sum()
  for i in vectorEnd..<n { sum += x[i] }
  let mean = sum / Float(n)
  let meanVector = SIMD8<Float>(repeating: mean)
  s0 = SIMD8(); s1 = SIMD8()
  j = 0
  while j + 16 <= vectorEnd {
    let d0 = load8(x + j) - meanVector, d1 = load8(x + j + 8) - meanVector
    s0 = s0.addingProduct(d0, d0); s1 = s1.addingProduct(d1, d1); j += 16
  }
  if j < vectorEnd { let d = load8(x + j) - meanVector; s0 = s0.addingProduct(d, d) }
  var squares = (s0 + s1).sum()
  for i in vectorEnd..<n { let d = x[i] - mean; squares += d * d }
  let inverse = 1 / (squares / Float(n) + epsilon).squareRoot()
  let inverseVector = SIMD8<Float>(repeating: inverse)
  j = 0
  while j < vectorEnd {
    store8((load8(x + j) - meanVector) * inverseVector * load8(weight + j) + load8(bias + j), y + j)
    j += 8
  }
  for i in vectorEnd..<n { y[i] = (x[i] - mean) * inverse * weight[i] + bias[i] }
}
