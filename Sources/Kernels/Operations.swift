import Foundation

/// `x · Wᵀ + b`, then `activation`, then `+ residual` when given.
///
/// - Precondition: `x.columns == layer.inFeatures`; `residual` has the output's shape.
public func linear(_ x: Matrix, _ layer: LinearWeights, activation: Activation = .identity,
                   adding residual: Matrix? = nil) -> Matrix {
  precondition(x.columns == layer.inFeatures, "linear: input \(x.shape) for \(layer.inFeatures) features")
  var y = Matrix(rows: x.rows, columns: layer.outFeatures)
  let n = layer.outFeatures
  for r in 0..<x.rows {
    for k in 0..<x.columns {
      let a = x.scalars[r * x.columns + k]
      for c in 0..<n { y.scalars[r * n + c] += a * layer.transposedWeight[k * n + c] }
    }
    for c in 0..<n {
      var v = y.scalars[r * n + c] + (layer.bias?[c] ?? 0)
      v = apply(activation, v)
      y.scalars[r * n + c] = v
    }
  }
  if let residual {
    precondition(residual.shape == y.shape, "linear: residual \(residual.shape) for output \(y.shape)")
    for i in y.scalars.indices { y.scalars[i] += residual.scalars[i] }
  }
  return y
}

@inline(__always)
func apply(_ activation: Activation, _ v: Float) -> Float {
  switch activation {
  case .identity: return v
  case .quickGELU: return v / (1 + exp(-1.702 * v))
  case .gelu: return 0.5 * v * (1 + erf(v / Float(2).squareRoot()))
  case .geluTanh:
    let c: Float = (2 / Float.pi).squareRoot()
    return 0.5 * v * (1 + tanh(c * (v + 0.044715 * v * v * v)))
  }
}

/// Layer normalization of each row: `(x - mean) / sqrt(var + epsilon) * weight + bias`.
public func layerNorm(_ x: Matrix, weight: [Float], bias: [Float], epsilon: Float) -> Matrix {
  precondition(weight.count == x.columns && bias.count == x.columns,
               "layerNorm: \(weight.count)/\(bias.count) parameters for \(x.shape)")
  var y = x
  let n = x.columns
  for r in 0..<x.rows {
    var mean: Float = 0
    for c in 0..<n { mean += x.scalars[r * n + c] }
    mean /= Float(n)
    var variance: Float = 0
    for c in 0..<n { let d = x.scalars[r * n + c] - mean; variance += d * d }
    variance /= Float(n)
    let inv = 1 / (variance + epsilon).squareRoot()
    for c in 0..<n { y.scalars[r * n + c] = (x.scalars[r * n + c] - mean) * inv * weight[c] + bias[c] }
  }
  return y
}

/// Softmax of each row, in place.
public func softmaxRows(_ x: inout Matrix) {
  let n = x.columns
  for r in 0..<x.rows {
    var m = -Float.infinity
    for c in 0..<n { m = max(m, x.scalars[r * n + c]) }
    var s: Float = 0
    for c in 0..<n { let e = exp(x.scalars[r * n + c] - m); x.scalars[r * n + c] = e; s += e }
    for c in 0..<n { x.scalars[r * n + c] /= s }
  }
}

/// `a · b`.
public func matmul(_ a: Matrix, _ b: Matrix) -> Matrix {
  precondition(a.columns == b.rows, "matmul: \(a.shape) × \(b.shape)")
  var y = Matrix(rows: a.rows, columns: b.columns)
  for r in 0..<a.rows {
    for k in 0..<a.columns {
      let v = a.scalars[r * a.columns + k]
      for c in 0..<b.columns { y.scalars[r * b.columns + c] += v * b.scalars[k * b.columns + c] }
    }
  }
  return y
}

/// `a · bᵀ`.
public func matmulTransposed(_ a: Matrix, _ b: Matrix) -> Matrix {
  precondition(a.columns == b.columns, "matmulTransposed: \(a.shape) × \(b.shape)ᵀ")
  var y = Matrix(rows: a.rows, columns: b.rows)
  for r in 0..<a.rows {
    for c in 0..<b.rows {
      var s: Float = 0
      for k in 0..<a.columns { s += a.scalars[r * a.columns + k] * b.scalars[c * b.columns + k] }
      y.scalars[r * b.rows + c] = s
    }
  }
  return y
}

/// Multi-head scaled dot-product attention over one sequence.
///
/// `query`, `key` and `value` are `[tokens, heads * headDim]`; head `h` uses columns
/// `h * headDim ..< (h + 1) * headDim`. Scores are scaled by `1 / sqrt(headDim)`; with `causal`, token `i`
/// attends to tokens `0...i` only. Returns `[tokens, heads * headDim]` with the heads side by side.
public func attention(query: Matrix, key: Matrix, value: Matrix, heads: Int, causal: Bool) -> Matrix {
  precondition(query.shape == key.shape && key.shape == value.shape, "attention: q \(query.shape) k \(key.shape) v \(value.shape)")
  precondition(heads > 0 && query.columns % heads == 0, "attention: \(query.columns) columns for \(heads) heads")
  let t = query.rows, d = query.columns / heads
  let scale = 1 / Float(d).squareRoot()
  var out = Matrix(rows: t, columns: query.columns)
  for h in 0..<heads {
    for i in 0..<t {
      let last = causal ? i : t - 1
      var scores = [Float](repeating: 0, count: last + 1)
      var m = -Float.infinity
      for j in 0...last {
        var s: Float = 0
        for e in 0..<d { s += query[i, h * d + e] * key[j, h * d + e] }
        scores[j] = s * scale
        m = max(m, scores[j])
      }
      var sum: Float = 0
      for j in 0...last { scores[j] = exp(scores[j] - m); sum += scores[j] }
      for e in 0..<d {
        var acc: Float = 0
        for j in 0...last { acc += scores[j] * value[j, h * d + e] }
        out[i, h * d + e] = acc / sum
      }
    }
  }
  return out
}
