/// `x · Wᵀ + b`, then `activation`, then `+ residual` when given: one packed multiply with the bias, activation
/// and residual applied to each output tile as it is finished. Rows of `x` are independent (a batch of tokens
/// from several sequences goes through one call), and each output row is the same whatever rows surround it.
///
/// - Precondition: `x.columns == layer.inFeatures`; `residual` has the output's shape.
/// - Complexity: O(`x.rows * layer.inFeatures * layer.outFeatures`) on `KernelThreads.count` threads.
public func linear(_ x: Matrix, _ layer: LinearWeights, activation: Activation = .identity,
                   adding residual: Matrix? = nil) -> Matrix {
  linear(x, layer, activation: activation, adding: residual, int8Kernel: nil)
}

/// `linear` with an int8 layer's kernel forced (`nil`: `Int8Kernel.best`), or a float layer's (`Float32Kernel.best`
/// unless given), for tests and benchmarks.
package func linear(_ x: Matrix, _ layer: LinearWeights, activation: Activation = .identity,
                    adding residual: Matrix? = nil, int8Kernel: Int8Kernel?,
                    float32Kernel: Float32Kernel = .best) -> Matrix {
  precondition(x.columns == layer.inFeatures, "linear: input \(x.shape) for \(layer.inFeatures) features")
  let m = x.rows, n = layer.outFeatures
  if let residual {
    precondition(residual.shape == [m, n], "linear: residual \(residual.shape) for output \([m, n])")
  }
  let threads = KernelThreads.count
  let scalars = [Float](writingAll: m * n) { output in
    x.scalars.withUnsafeBufferPointer { input in
      withOptionalBuffer(layer.bias) { bias in
        withOptionalBuffer(residual?.scalars) { residualScalars in
          let epilogue = Epilogue(bias: bias, activation: activation, residual: residualScalars, residualStride: n)
          withExtendedLifetime(layer.panels) {
            if case .int8(let quantized) = layer.panels {
              Int8Gemm.multiply(m: m, a: input.start, lda: x.columns, b: quantized, firstOutput: layer.firstOutput,
                                width: n, c: output, ldc: n, epilogue: epilogue, threads: threads,
                                kernel: int8Kernel ?? Int8Kernel.best)
            } else {
              Gemm.multiply(m: m, a: input.start, lda: x.columns, b: layer.source, c: output, ldc: n,
                            epilogue: epilogue, threads: threads, kernel: float32Kernel)
            }
          }
        }
      }
    }
  }
  return Matrix(rows: m, columns: n, scalars: scalars)
}

/// `a · b`. `b` is packed into panels first; for a fixed right-hand side use `LinearWeights` instead.
///
/// - Precondition: `a.columns == b.rows`.
public func matmul(_ a: Matrix, _ b: Matrix) -> Matrix {
  precondition(a.columns == b.rows, "matmul: \(a.shape) × \(b.shape)")
  let panels = b.scalars.withUnsafeBufferPointer {
    PackedPanels(depth: b.rows, width: b.columns, source: $0, kStride: b.columns, jStride: 1)
  }
  return multiply(a, panels)
}

/// `a · bᵀ` (rows of `a` against rows of `b`, as attention scores or embedding similarities).
///
/// - Precondition: `a.columns == b.columns`.
public func matmulTransposed(_ a: Matrix, _ b: Matrix) -> Matrix {
  precondition(a.columns == b.columns, "matmulTransposed: \(a.shape) × \(b.shape)ᵀ")
  let panels = b.scalars.withUnsafeBufferPointer {
    PackedPanels(depth: b.columns, width: b.rows, source: $0, kStride: 1, jStride: b.columns)
  }
  return multiply(a, panels)
}

private func multiply(_ a: Matrix, _ panels: PackedPanels) -> Matrix {
  let m = a.rows, n = panels.width
  let threads = KernelThreads.count
  let scalars = [Float](writingAll: m * n) { output in
    a.scalars.withUnsafeBufferPointer { input in
      Gemm.multiply(m: m, a: input.start, lda: a.columns,
                    b: .float32(PanelsView(base: UnsafePointer(panels.storage), depth: panels.depth, width: n)),
                    c: output, ldc: n, epilogue: .none, threads: threads)
    }
  }
  return withExtendedLifetime(panels) { Matrix(rows: m, columns: n, scalars: scalars) }
}

@inline(__always)
func withOptionalBuffer<R>(_ array: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
  guard let array else { return body(nil) }
  return array.withUnsafeBufferPointer { body($0.start) }
}

extension UnsafeBufferPointer where Element == Float {
  /// The base address; for an empty buffer a dangling pointer that is never read (no rows or no depth).
  @inline(__always)
  var start: UnsafePointer<Float> { baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<Float>.alignment)! }
}

extension UnsafeMutableBufferPointer where Element == Float {
  /// The base address; for an empty buffer a dangling pointer that is never written.
  @inline(__always)
  var start: UnsafeMutablePointer<Float> {
    baseAddress ?? UnsafeMutablePointer(bitPattern: MemoryLayout<Float>.alignment)!
  }
}
