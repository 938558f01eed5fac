import KernelIntrinsics

// The register-blocked microkernels of the matrix multiply, on 8-float vectors. Where the CPU has AVX-512 F,
// `multiplyTile` hands pairs of full panels to KernelIntrinsics' 16-float `Float32TileKernel` instead
// (`Float32Kernel`): the same fused multiply-adds in the same order, twice as many per instruction.
//
// `C[rows × 16] (+)= A[rows × depth] · B[depth × 16]`: A is read in place (row-major, `lda` floats per row; each
// step broadcasts one element from each row), B is one packed 16-column panel (for each k, 16 floats). Twelve
// SIMD8 accumulators hold the 6×16 block of C; each step issues two FMAs per row against the two B vectors:
// 12 FMAs per 2 loads + 6 broadcasts, which keeps both FMA ports of a Haswell-class core busy with 16 vector
// registers (12 accumulators, 2 B vectors, 1 broadcast). A is not packed: six sequential row streams prefetch
// well, and packing would copy all of A once per column chunk (several percent of the time at N = 512).
//
// With fewer rows there are too few independent FMA chains to hide the FMA latency (4 cycles, 2 ports: 8 chains
// needed), so matrices of at most 3 rows use `kernel3x32`, which covers two panels (32 columns) at once.
//
// Every accumulator sums its products in increasing k with one FMA per step, whichever kernel, row grouping or
// thread computes it; partial sums stored between depth blocks are reloaded unchanged. So an output element's
// value depends only on its row of A and column of B, not on the batch size or the thread count.
//
// `rows` must be a literal at the call site (see `Gemm.runKernel`): the kernels are inlined and the `rows > r`
// tests fold away, leaving straight-line code for each row count. The kernels, their dispatch and the 8-float
// loads live in this one file so that this inlining also happens in builds without whole-module optimization
// (debug builds of the package compile this module with -O, file by file).

/// `C[rows × 16] (+)= A[rows × depth] · B[depth × 16]` for `rows` <= 6; with `accumulate`, C's tile is loaded first.
@inline(__always)
func kernel6x16(rows: Int, depth: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>,
                c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, prefetch: LinePrefetch? = nil) {
  var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
  var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
  var c40 = SIMD8<Float>(), c41 = SIMD8<Float>(), c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
  if accumulate {
    c00 = load8(c); c01 = load8(c + 8)
    if rows > 1 { c10 = load8(c + ldc); c11 = load8(c + ldc + 8) }
    if rows > 2 { c20 = load8(c + 2 * ldc); c21 = load8(c + 2 * ldc + 8) }
    if rows > 3 { c30 = load8(c + 3 * ldc); c31 = load8(c + 3 * ldc + 8) }
    if rows > 4 { c40 = load8(c + 4 * ldc); c41 = load8(c + 4 * ldc + 8) }
    if rows > 5 { c50 = load8(c + 5 * ldc); c51 = load8(c + 5 * ldc + 8) }
  }
  var pa = a, pb = b
  var line = prefetch?.first ?? UnsafeRawPointer(b), countdown = 1
  // One k-step: row r's element k times the panel's 16 floats at k, added into row r's two accumulators.
  @inline(__always) func step(_ k: Int) {
    let b0 = load8(pb + k * PackedPanels.panelWidth), b1 = load8(pb + k * PackedPanels.panelWidth + 8)
    var x = SIMD8<Float>(repeating: pa[k])
    c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
    if rows > 1 { x = SIMD8(repeating: pa[lda + k]); c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1) }
    if rows > 2 { x = SIMD8(repeating: pa[2 * lda + k]); c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1) }
    if rows > 3 { x = SIMD8(repeating: pa[3 * lda + k]); c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1) }
    if rows > 4 { x = SIMD8(repeating: pa[4 * lda + k]); c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1) }
    if rows > 5 { x = SIMD8(repeating: pa[5 * lda + k]); c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1) }
  }
  // Two k-steps per iteration: the row addresses and the loop's bookkeeping are shared by both (one step
  // per iteration spent a third of its instructions on them). Each accumulator still adds in increasing k.
  var remaining = depth
  while remaining >= 2 {
    if let prefetch {
      countdown -= 2
      if countdown <= 0 {
        if prefetch.intoL1 { prefetchToL1(line) } else { prefetchToL2(line) }
        line += 64
        countdown += prefetch.interval
      }
    }
    step(0)
    step(1)
    pa += 2
    pb += 2 * PackedPanels.panelWidth
    remaining -= 2
  }
  if remaining == 1 { step(0) }
  store8(c00, c); store8(c01, c + 8)
  if rows > 1 { store8(c10, c + ldc); store8(c11, c + ldc + 8) }
  if rows > 2 { store8(c20, c + 2 * ldc); store8(c21, c + 2 * ldc + 8) }
  if rows > 3 { store8(c30, c + 3 * ldc); store8(c31, c + 3 * ldc + 8) }
  if rows > 4 { store8(c40, c + 4 * ldc); store8(c41, c + 4 * ldc + 8) }
  if rows > 5 { store8(c50, c + 5 * ldc); store8(c51, c + 5 * ldc + 8) }
}

/// `C[rows × 32] (+)= A · [B₀ B₁]` for `rows <= 3`: two adjacent panels, C columns 0..<16 from `b0`,
/// 16..<32 from `b1`.
@inline(__always)
func kernel3x32(rows: Int, depth: Int, a: UnsafePointer<Float>, lda: Int, b0: UnsafePointer<Float>,
                b1: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
  var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c02 = SIMD8<Float>(), c03 = SIMD8<Float>()
  var c10 = SIMD8<Float>(), c11 = SIMD8<Float>(), c12 = SIMD8<Float>(), c13 = SIMD8<Float>()
  var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c22 = SIMD8<Float>(), c23 = SIMD8<Float>()
  if accumulate {
    c00 = load8(c); c01 = load8(c + 8); c02 = load8(c + 16); c03 = load8(c + 24)
    if rows > 1 {
      let r = c + ldc
      c10 = load8(r); c11 = load8(r + 8); c12 = load8(r + 16); c13 = load8(r + 24)
    }
    if rows > 2 {
      let r = c + 2 * ldc
      c20 = load8(r); c21 = load8(r + 8); c22 = load8(r + 16); c23 = load8(r + 24)
    }
  }
  var pa = a, p0 = b0, p1 = b1
  for _ in 0..<depth {
    let v0 = load8(p0), v1 = load8(p0 + 8), v2 = load8(p1), v3 = load8(p1 + 8)
    var x = SIMD8<Float>(repeating: pa[0])
    c00 = c00.addingProduct(x, v0); c01 = c01.addingProduct(x, v1)
    c02 = c02.addingProduct(x, v2); c03 = c03.addingProduct(x, v3)
    if rows > 1 {
      x = SIMD8(repeating: pa[lda])
      c10 = c10.addingProduct(x, v0); c11 = c11.addingProduct(x, v1)
      c12 = c12.addingProduct(x, v2); c13 = c13.addingProduct(x, v3)
    }
    if rows > 2 {
      x = SIMD8(repeating: pa[2 * lda])
      c20 = c20.addingProduct(x, v0); c21 = c21.addingProduct(x, v1)
      c22 = c22.addingProduct(x, v2); c23 = c23.addingProduct(x, v3)
    }
    pa += 1
    p0 += PackedPanels.panelWidth
    p1 += PackedPanels.panelWidth
  }
  store8(c00, c); store8(c01, c + 8); store8(c02, c + 16); store8(c03, c + 24)
  if rows > 1 {
    let r = c + ldc
    store8(c10, r); store8(c11, r + 8); store8(c12, r + 16); store8(c13, r + 24)
  }
  if rows > 2 {
    let r = c + 2 * ldc
    store8(c20, r); store8(c21, r + 8); store8(c22, r + 16); store8(c23, r + 24)
  }
}

/// Cache lines of B that a kernel call asks for while it computes: one 64-byte line every `interval` k-steps,
/// from `first` on.
struct LinePrefetch {
  var first: UnsafeRawPointer
  var interval: Int
  /// Into L1 as well as L2 (`prefetcht0`), else into L2 (`prefetcht1`). See `Gemm.compute`.
  var intoL1: Bool
}

/// Unaligned 8-float loads and stores: rows of activations start anywhere, and on x86 an unaligned
/// `vmovups` costs nothing extra when the address happens to be aligned.
@inline(__always)
func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
  UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
func load8(_ pointer: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
  UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
func store8(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
  UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
}

extension Gemm {
  /// `C[rows × columns] (+)= A[rows × depth] · B` for one micro-panel of rows against one panel of B (`columns`
  /// <= 16; fewer go through a stack tile) or, with `columns` = 32, two adjacent full panels `panelStride` floats
  /// apart (`kernel.takesPanelPairs(rows:)`: the AVX-512 kernel, or `rows` <= 3).
  @inline(__always)
  static func multiplyTile(rows: Int, columns: Int, depth: Int, a: UnsafePointer<Float>, lda: Int,
                           b: UnsafePointer<Float>, panelStride: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
                           accumulate: Bool, prefetch: LinePrefetch?, kernel: Float32Kernel) {
    if columns > PackedPanels.panelWidth {
      let b1 = b + panelStride
      if kernel == .avx512 {
        Float32TileKernel.tile(rows: rows, depth: depth, a: a, lda: lda, b0: b, b1: b1, c: c, ldc: ldc,
                               accumulate: accumulate, prefetch: prefetch?.first,
                               prefetchInterval: prefetch?.interval ?? 1, prefetchIntoL1: prefetch?.intoL1 ?? false)
        return
      }
      switch rows {
      case 3: kernel3x32(rows: 3, depth: depth, a: a, lda: lda, b0: b, b1: b1, c: c, ldc: ldc, accumulate: accumulate)
      case 2: kernel3x32(rows: 2, depth: depth, a: a, lda: lda, b0: b, b1: b1, c: c, ldc: ldc, accumulate: accumulate)
      default: kernel3x32(rows: 1, depth: depth, a: a, lda: lda, b0: b, b1: b1, c: c, ldc: ldc, accumulate: accumulate)
      }
    } else if columns == PackedPanels.panelWidth {
      runKernel(rows: rows, depth: depth, a: a, lda: lda, b: b, c: c, ldc: ldc, accumulate: accumulate,
                prefetch: prefetch)
    } else {
      partialPanel(rows: rows, columns: columns, depth: depth, a: a, lda: lda, b: b, c: c, ldc: ldc,
                   accumulate: accumulate)
    }
  }

  /// The narrow kernel with its row count as a literal, so each case inlines to straight-line code.
  @inline(__always)
  static func runKernel(rows: Int, depth: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>,
                        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, prefetch: LinePrefetch? = nil) {
    if let prefetch {
      switch rows {
      case 6: kernel6x16(rows: 6, depth: depth, a: a, lda: lda, b: b, c: c, ldc: ldc, accumulate: accumulate,
                         prefetch: prefetch)
      case 5: kernel6x16(rows: 5, depth: depth, a: a, lda: lda, b: b, c: c, ldc: ldc, accumulate: accumulate,
                         prefetch: prefetch)
      case 4: kernel6x16(rows: 4, depth: depth, a: a, lda: lda, b: b, c: c, ldc: ldc, accumulate: accumulate,
                         prefetch: prefetch)
      default: runKernel(rows: rows, depth: depth, a: a, lda: lda, b: b, c: c, ldc: ldc, accumulate: accumulate)
      }
      return
    }
    switch rows {
    case 6: kernel6x16(rows: 6, depth: depth, a: a, lda: lda, b: b, c: c, ldc: ldc, accumulate: accumulate)
    case 5: kernel6x16(rows: 5, depth: depth, a: a, lda: lda, b: b, c: c, ldc: ldc, accumulate: accumulate)
    case 4: kernel6x16(rows: 4, depth: depth, a: a, lda: lda, b: b, c: c, ldc: ldc, accumulate: accumulate)
    case 3: kernel6x16(rows: 3, depth: depth, a: a, lda: lda, b: b, c: c, ldc: ldc, accumulate: accumulate)
    case 2: kernel6x16(rows: 2, depth: depth, a: a, lda: lda, b: b, c: c, ldc: ldc, accumulate: accumulate)
    default: kernel6x16(rows: 1, depth: depth, a: a, lda: lda, b: b, c: c, ldc: ldc, accumulate: accumulate)
    }
  }

  /// The last, narrower panel: the kernel works on a 6×16 tile on the stack, valid columns copied in and out.
  static func partialPanel(rows: Int, columns: Int, depth: Int, a: UnsafePointer<Float>, lda: Int,
                           b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
    let width = PackedPanels.panelWidth
    withUnsafeTemporaryAllocation(of: Float.self, capacity: microRows * width) { buffer in
      let tile = buffer.baseAddress!
      tile.initialize(repeating: 0, count: microRows * width)
      if accumulate {
        for r in 0..<rows { (tile + r * width).update(from: c + r * ldc, count: columns) }
      }
      runKernel(rows: rows, depth: depth, a: a, lda: lda, b: b, c: tile, ldc: width, accumulate: accumulate)
      for r in 0..<rows { (c + r * ldc).update(from: tile + r * width, count: columns) }
    }
  }
}
