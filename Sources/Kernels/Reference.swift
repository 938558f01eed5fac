import Foundation

/// Straightforward loops that define what the fast kernels compute, in the order a reader expects (the tests
/// compare every fast path against these). Slow: for tests and checks only.
package enum Reference {
  /// `x · Wᵀ + b`, then `activation`, then `+ residual`.
  package static func linear(_ x: Matrix, _ layer: LinearWeights, activation: Activation = .identity,
                             adding residual: Matrix? = nil) -> Matrix {
    precondition(x.columns == layer.inFeatures, "linear: input \(x.shape) for \(layer.inFeatures) features")
    let n = layer.outFeatures
    var y = Matrix(rows: x.rows, columns: n)
    for r in 0..<x.rows {
      for c in 0..<n {
        var s: Float = 0
        for k in 0..<x.columns { s += x[r, k] * layer.weight(output: c, input: k) }
        y[r, c] = activate(s + (layer.bias?[c] ?? 0), activation)
      }
    }
    if let residual {
      precondition(residual.shape == y.shape, "linear: residual \(residual.shape) for output \(y.shape)")
      for i in y.scalars.indices { y.scalars[i] += residual.scalars[i] }
    }
    return y
  }

  /// The activation of one value, with Foundation's `exp`, `erf` and `tanh`.
  package static func activate(_ v: Float, _ activation: Activation) -> Float {
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
  package static func layerNorm(_ x: Matrix, weight: [Float], bias: [Float], epsilon: Float) -> Matrix {
    var y = x
    let n = x.columns
    for r in 0..<x.rows {
      var mean: Float = 0
      for c in 0..<n { mean += x[r, c] }
      mean /= Float(n)
      var variance: Float = 0
      for c in 0..<n { let d = x[r, c] - mean; variance += d * d }
      variance /= Float(n)
      let inv = 1 / (variance + epsilon).squareRoot()
      for c in 0..<n { y[r, c] = (x[r, c] - mean) * inv * weight[c] + bias[c] }
    }
    return y
  }

  /// Softmax of each row, in place.
  package static func softmaxRows(_ x: inout Matrix) {
    for r in 0..<x.rows {
      var m = -Float.infinity
      for c in 0..<x.columns { m = max(m, x[r, c]) }
      var s: Float = 0
      for c in 0..<x.columns { let e = exp(x[r, c] - m); x[r, c] = e; s += e }
      for c in 0..<x.columns { x[r, c] /= s }
    }
  }

  /// `a · b`.
  package static func matmul(_ a: Matrix, _ b: Matrix) -> Matrix {
    var transposed = Matrix(rows: b.columns, columns: b.rows)
    for r in 0..<b.rows { for c in 0..<b.columns { transposed[c, r] = b[r, c] } }
    return matmulTransposed(a, transposed)
  }

  /// `a · bᵀ`.
  package static func matmulTransposed(_ a: Matrix, _ b: Matrix) -> Matrix {
    var y = Matrix(rows: a.rows, columns: b.rows)
    for r in 0..<a.rows {
      for c in 0..<b.rows {
        var s: Float = 0
        for k in 0..<a.columns { s += a[r, k] * b[c, k] }
        y[r, c] = s
      }
    }
    return y
  }

  /// Multi-head scaled dot-product attention over one sequence (see `attention(query:key:value:heads:causal:)`).
  package static func attention(query: Matrix, key: Matrix, value: Matrix, heads: Int, causal: Bool) -> Matrix {
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
}
