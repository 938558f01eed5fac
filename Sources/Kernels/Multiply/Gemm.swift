// The blocked, multi-threaded matrix multiply `C = A · B` (then an epilogue) behind `linear`, `matmul`,
// `matmulTransposed` and attention. BLIS-style blocking, sized for 32 KB L1 and 1 MB L2 per core (Zen 4):
// - B is packed once into 16-column panels (`PackedPanels`; for linear layers at load time). A half-precision
//   checkpoint's panels stay halves (`HalfPanels`) and are widened exactly, a panel block at a time, into
//   per-thread scratch just before the first row block reads them: half the memory for a few percent of time.
// - A is read in place, in micro-panels of <= 6 rows (`microRows`) of near-equal height, so a short last panel
//   does not waste a kernel call. Up to `fewRows` rows (a batch of up to five images, a few dozen labels) form
//   one row block that meets each panel block of B once per call, where that is the faster (`isFewRows`); more
//   rows go `rowBlock` micro-panels at a time against `columnBlock` panels, both held in L2, so wide layers do
//   not stream B from L3 once per row block.
// - The depth is cut into equal blocks of at most `depthBlock`: fewer passes reloading C.
// - Work is split by columns when there are enough panels (which also splits B between the cores' L2), else by
//   micro-panels; with enough work, a few chunks per thread are handed out as threads free up, so a core slowed
//   by another process does not hold up the call.
// - The epilogue (bias, activation, residual) runs on each finished strip of tiles while it is still in cache.
// - With few rows each weight is read from memory once per call for only a few micro-panels, so the micro-panels
//   over one panel block prefetch the next block, a share each, a line every few k-steps (into L1 as well).
// Each choice was measured with paired runs in one process (see git history and README Benchmarks); the
// blocking never changes the order of a sum, so results are bit-identical whatever the thread count or batch.

/// Bias, activation and residual applied to each finished strip of the output.
struct Epilogue {
  /// Indexed by output column.
  var bias: UnsafePointer<Float>?
  var activation: Activation = .identity
  /// Same layout as C, `residualStride` floats per row.
  var residual: UnsafePointer<Float>?
  var residualStride: Int = 0

  static var none: Epilogue { Epilogue() }

  var isIdentity: Bool { bias == nil && activation == .identity && residual == nil }
}

/// A packed `B` seen through raw pointers (panels from `PackedPanels` or per-thread scratch).
struct PanelsView {
  var base: UnsafePointer<Float>
  var depth: Int
  var width: Int

  @inline(__always)
  func panel(_ index: Int) -> UnsafePointer<Float> { base + index * depth * PackedPanels.panelWidth }
}

/// The right-hand operand of a multiply: packed floats, or packed halves widened block by block.
enum PanelSource {
  case float32(PanelsView)
  case float16(HalfPanelsView)

  var depth: Int {
    switch self {
    case .float32(let view): view.depth
    case .float16(let view): view.depth
    }
  }

  var width: Int {
    switch self {
    case .float32(let view): view.width
    case .float16(let view): view.width
    }
  }

  var isHalf: Bool {
    if case .float16 = self { return true }
    return false
  }
}

enum Gemm {
  static let microRows = 6
  /// Most rows swept as one row block (see `isFewRows`).
  static let fewRows = 256
  static let depthBlock = 768
  static let rowBlock = 16
  /// Panels of B swept together while every row block passes.
  static let columnBlock = 16
  /// Fewest panels in a column chunk when there are several chunks per thread.
  static let chunkPanels = 6
  /// Below this many multiply-adds a second thread costs more to wake than it saves. (At 1 << 20 a single row
  /// against a 768 × 768 weight, as the last vision layer's CLS row, ran on one thread at half NumPy's speed;
  /// the pool's workers are still polling between a model's multiplies, so waking one is cheap there.)
  static let parallelThreshold = 1 << 18

  /// Row `start` and `height` of micro-panel `index` when `rows` rows are cut into `count` near-equal panels.
  @inline(__always)
  static func microPanel(_ index: Int, rows: Int, count: Int) -> (start: Int, height: Int) {
    let base = rows / count, extra = rows % count
    return (index * base + min(index, extra), base + (index < extra ? 1 : 0))
  }

  static func microPanelCount(rows: Int) -> Int { (rows + microRows - 1) / microRows }

  /// Whether `m` rows are few enough to be one row block, each weight read from memory once per call and met by
  /// every micro-panel in turn; else row blocks of `rowBlock` micro-panels.
  ///
  /// On every CPU for the 8-float kernels; for the AVX-512 kernel where `Float32Kernel.sweepsFewRowsAsOneBlock`
  /// says (AMD, not Intel: there a panel pair, 96 KB at depth 768, does not fit the 48 KB L1 that the few-rows
  /// prefetches fill, and row blocks with prefetches into L2 only were faster).
  static func isFewRows(_ m: Int, kernel: Float32Kernel) -> Bool {
    m <= fewRows && kernel.sweepsFewRowsAsOneBlock(on: .current)
  }

  /// `C[m × b.width] = A[m × b.depth] · B`, then `epilogue`, on up to `threads` threads.
  ///
  /// A is row-major with `lda` floats per row, C with `ldc`. The caller checks shapes and keeps the memory alive.
  static func multiply(m: Int, a: UnsafePointer<Float>, lda: Int, b: PanelSource,
                       c: UnsafeMutablePointer<Float>, ldc: Int, epilogue: Epilogue, threads: Int,
                       kernel: Float32Kernel = .best) {
    guard m > 0, b.width > 0 else { return }
    let panels = PackedPanels.panelCount(b.width)
    let micro = microPanelCount(rows: m)
    var threads = max(1, threads)
    if m * b.width * max(b.depth, 1) < parallelThreshold { threads = 1 }
    // Split columns when every thread gets at least two panels, else rows, else both.
    var columnParts: Int, rowParts: Int
    if panels >= 2 * threads {
      (columnParts, rowParts) = (threads, 1)
      // Up to four chunks per thread, a multiple of the thread count so that an idle machine splits evenly. Few
      // rows read each weight once per call, from memory: there a chunk per thread keeps each thread's weights
      // one prefetched stream (see `compute`): a batch-1 image 0.9% faster, and as fast as with four chunks
      // beside a busy loop on one core (paired runs, B/A 0.991 idle, 1.004 busy).
      if threads > 1 && !isFewRows(m, kernel: kernel) {
        columnParts = threads * max(1, min(4, panels / (chunkPanels * threads)))
      }
    } else if micro >= threads {
      (columnParts, rowParts) = (1, threads)
    } else {
      columnParts = max(1, min(panels, threads))
      rowParts = max(1, min(micro, threads / columnParts))
    }
    parallelFor(items: columnParts * rowParts, threads: threads) { part in
      compute(m: m, microPanels: split(micro, into: rowParts, part: part / columnParts),
              panels: split(panels, into: columnParts, part: part % columnParts),
              a: a, lda: lda, b: b, c: c, ldc: ldc, epilogue: epilogue, kernel: kernel)
    }
  }

  /// Part `part` of `count` items cut into `parts` near-equal contiguous ranges.
  @inline(__always)
  static func split(_ count: Int, into parts: Int, part: Int) -> Range<Int> {
    let base = count / parts, extra = count % parts
    let start = part * base + min(part, extra)
    return start ..< start + base + (part < extra ? 1 : 0)
  }

  /// One chunk of work: the given micro-panels of rows times the given panels of columns, on this thread.
  static func compute(m: Int, microPanels: Range<Int>, panels: Range<Int>, a: UnsafePointer<Float>, lda: Int,
                      b: PanelsView, c: UnsafeMutablePointer<Float>, ldc: Int, epilogue: Epilogue,
                      kernel: Float32Kernel = .best) {
    compute(m: m, microPanels: microPanels, panels: panels, a: a, lda: lda, b: .float32(b), c: c, ldc: ldc,
            epilogue: epilogue, kernel: kernel)
  }

  /// `compute` for either kind of panels. Half-precision panels are widened into scratch one column block and
  /// depth block at a time (<= 768 KB, in L2 while the later row blocks pass), each panel just before the first
  /// row block reads it; the kernels then read them as packed floats: the same floats, so the same results.
  static func compute(m: Int, microPanels: Range<Int>, panels: Range<Int>, a: UnsafePointer<Float>, lda: Int,
                      b: PanelSource, c: UnsafeMutablePointer<Float>, ldc: Int, epilogue: Epilogue,
                      kernel: Float32Kernel) {
    let microCount = microPanelCount(rows: m)
    let few = isFewRows(m, kernel: kernel)
    let rowsPerBlock = few ? max(1, microCount) : rowBlock
    let depth = b.depth, width = b.width, w = PackedPanels.panelWidth
    // Equal blocks, so that 1000 is 2 × 500 rather than 768 + 232.
    let blockCount = max(1, (depth + depthBlock - 1) / depthBlock)
    let blockDepth = (depth + blockCount - 1) / blockCount
    // Sized for the deepest block of any layer, so that one buffer per thread serves every layer's depth.
    ScratchPool.shared.withBuffer(floats: b.isHalf ? columnBlock * depthBlock * w : 0) { scratch in
      for blockStart in Swift.stride(from: panels.lowerBound, to: panels.upperBound, by: columnBlock) {
        let block = blockStart ..< min(blockStart + columnBlock, panels.upperBound)
        var k0 = 0
        repeat {
          let kc = min(blockDepth, depth - k0)
          let accumulate = k0 > 0, last = k0 + kc >= depth
          // The panels this pass reads: B's own from depth k0, or this block widened into scratch from depth 0.
          let view: PanelsView, firstPanel: Int, kStart: Int
          switch b {
          case .float32(let panels):
            (view, firstPanel, kStart) = (panels, 0, k0)
          case .float16:
            (view, firstPanel, kStart) = (PanelsView(base: scratch, depth: kc, width: width), block.lowerBound, 0)
          }
          var q0 = microPanels.lowerBound
          while q0 < microPanels.upperBound {
            let q1 = min(q0 + rowsPerBlock, microPanels.upperBound)
            var p = block.lowerBound
            while p < block.upperBound {
              // The AVX-512 kernel, and matrices of <= 3 rows, take two full panels per kernel call.
              let wide = kernel.takesPanelPairs(rows: m) && p + 1 < block.upperBound && (p + 2) * w <= width
              let column = p * w
              let columns = min((wide ? 2 : 1) * w, width - column)
              if case .float16(let halves) = b, q0 == microPanels.lowerBound {
                // Widened just before the first row block uses them, so that they are still in L1 for it.
                for panel in p ..< p + (wide ? 2 : 1) {
                  widenHalves(halves.panel(panel) + k0 * w, count: kc * w, format: halves.format,
                              into: scratch + (panel - firstPanel) * kc * w)
                }
              }
              // For few rows the weights come from memory once per call, and the first micro-panel over a panel
              // block would wait for them: each micro-panel asks for its share of the next block while it
              // computes (for halves, of the block the next widening reads).
              let next = q0 == microPanels.lowerBound && q1 - q0 > 1
                ? nextLines(after: p, step: wide ? 2 : 1, k0: k0, kc: kc, block: block, panels: panels, b: b) : nil
              for q in q0..<q1 {
                let prefetch = next.map { next in
                  // A pair of panels next: the first half of the micro-panels asks for the first panel's lines,
                  // the second half for the second's (asking for the first's only, the AVX-512 kernel's batch-1
                  // ViT-B/32 image was 6% slower, paired runs).
                  let count = q1 - q0, half = (count + 1) / 2
                  let (start, members, part) = if let second = next.second {
                    q - q0 < half ? (next.start, half, q - q0) : (second, count - half, q - q0 - half)
                  } else {
                    (next.start, count, q - q0)
                  }
                  return LinePrefetch(first: start + split(next.lines, into: members, part: part).lowerBound * 64,
                                      interval: max(1, kc * members / max(1, next.lines)), intoL1: few)
                }
                let (start, height) = microPanel(q, rows: m, count: microCount)
                let tile = c + start * ldc + column
                // Few rows keep C's partial sums and the residual in L2: asking for them early only cost
                // instructions there (a batch-1 image 0.2-0.3% faster without).
                if !few && q + 1 < q1 && (accumulate || (last && epilogue.residual != nil)) {
                  prefetchTile(of: q + 1, m: m, count: microCount, column: column, columns: columns, c: c, ldc: ldc,
                               accumulate: accumulate, residual: last ? epilogue.residual : nil,
                               residualStride: epilogue.residualStride)
                }
                multiplyTile(rows: height, columns: columns, depth: kc, a: a + start * lda + k0, lda: lda,
                             b: view.panel(p - firstPanel) + kStart * w, panelStride: view.depth * w,
                             c: tile, ldc: ldc, accumulate: accumulate, prefetch: prefetch, kernel: kernel)
              }
              if last && !epilogue.isIdentity {
                let first = microPanel(q0, rows: m, count: microCount).start
                let end = microPanel(q1 - 1, rows: m, count: microCount)
                finish(c + first * ldc + column, ldc: ldc, rows: end.start + end.height - first, firstRow: first,
                       firstColumn: column, columns: columns, epilogue: epilogue)
              }
              p += wide ? 2 : 1
            }
            q0 = q1
          }
          k0 += kc
        } while k0 < depth
      }
    }
  }

  /// The 64-byte lines that `compute` reads after panel `p`'s block at depth `k0` (`step` panels at a time; with 2,
  /// `second` is the start of the lines of the panel after the next one, which the same call reads), for
  /// prefetching: the next panel of the column block at the same depth, else the column block's first panel at the
  /// next depth block, else the next column block's first panel; of halves, the block that the next widening reads
  /// (it used to ask for the same panel's next depth block, read a column block later: fixing that made an F16
  /// batch-1 image 7.5% faster, batch 4 2.6%). Nil at the end of the chunk.
  @inline(__always)
  static func nextLines(after p: Int, step: Int, k0: Int, kc: Int, block: Range<Int>, panels: Range<Int>,
                        b: PanelSource) -> (start: UnsafeRawPointer, second: UnsafeRawPointer?, lines: Int)? {
    // The panel and depth that `compute` reads next, in its order: panels, then depth blocks, then column blocks.
    let next: (panel: Int, depth: Int)
    if p + step < block.upperBound {
      next = (p + step, k0)
    } else if k0 + kc < b.depth {
      next = (block.lowerBound, k0 + kc)
    } else if block.upperBound < panels.upperBound {
      next = (block.upperBound, 0)
    } else {
      return nil
    }
    let w = PackedPanels.panelWidth
    // Taking panels in pairs, the next call reads the panel after that one too.
    let pair = step == 2 && next.panel + 1 < panels.upperBound
    switch b {
    case .float32(let floats):
      // A k-step of a float panel is one line.
      return (UnsafeRawPointer(floats.panel(next.panel) + next.depth * w),
              pair ? UnsafeRawPointer(floats.panel(next.panel + 1) + next.depth * w) : nil, kc)
    case .float16(let halves):
      // Two k-steps of a half panel per line.
      return (UnsafeRawPointer(halves.panel(next.panel) + next.depth * w),
              pair ? UnsafeRawPointer(halves.panel(next.panel + 1) + next.depth * w) : nil, (kc + 1) / 2)
    }
  }

  /// Asks for the lines of micro-panel `q`'s tile that its kernel call will read once this one is done: the
  /// partial sums of C (from the previous depth block) and the residual. Both are matrices of megabytes at
  /// large M, read a 16-column strip of 6 rows at a time, which the hardware prefetchers do not follow: the
  /// residual's loads alone were half of the epilogue's time at batch 16.
  @inline(__always)
  static func prefetchTile(of q: Int, m: Int, count: Int, column: Int, columns: Int, c: UnsafeMutablePointer<Float>,
                           ldc: Int, accumulate: Bool, residual: UnsafePointer<Float>?, residualStride: Int) {
    let (start, height) = microPanel(q, rows: m, count: count)
    for r in start ..< start + height {
      if accumulate {
        prefetchToL2(c + r * ldc + column)
        prefetchToL2(c + r * ldc + column + columns - 1)
      }
      if let residual {
        prefetchToL2(residual + r * residualStride + column)
        prefetchToL2(residual + r * residualStride + column + columns - 1)
      }
    }
  }

  /// Applies the epilogue to a finished strip of C: `rows × columns` at `strip`, whose first element is
  /// C[firstRow, firstColumn].
  // Inlined into `compute`'s large body it kept `vactivate` out of line, a call per vector. One loop per
  // activation, so that the activation is inlined straight-line code: with the choice made per vector, `vexp`
  // stayed a call and each vector waited for the previous one's divide.
  @inline(never)
  static func finish(_ strip: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, firstRow: Int, firstColumn: Int,
                     columns: Int, epilogue: Epilogue) {
    func finish<F: FixedActivation>(_: F.Type) {
      Gemm.finish(strip, ldc: ldc, rows: rows, firstRow: firstRow, firstColumn: firstColumn, columns: columns,
                  epilogue: epilogue, activation: F.self)
    }
    switch epilogue.activation {
    case .identity: finish(Identity.self)
    case .quickGELU: finish(QuickGELU.self)
    case .gelu: finish(ErfGELU.self)
    case .geluTanh: finish(TanhGELU.self)
    }
  }

  /// `finish` with the activation fixed. A full panel's row is two independent vectors, done side by side.
  @inline(__always)
  static func finish<F: FixedActivation>(_ strip: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, firstRow: Int,
                                         firstColumn: Int, columns: Int, epilogue: Epilogue, activation: F.Type) {
    let bias = epilogue.bias.map { $0 + firstColumn }
    let residual = epilogue.residual.map { $0 + firstRow * epilogue.residualStride + firstColumn }
    for r in 0..<rows {
      let out = strip + r * ldc
      let add = residual.map { $0 + r * epilogue.residualStride }
      var j = 0
      while j + 16 <= columns {
        var v0 = load8(out + j), v1 = load8(out + j + 8)
        if let bias { v0 += load8(bias + j); v1 += load8(bias + j + 8) }
        v0 = F.apply(v0); v1 = F.apply(v1)
        if let add { v0 += load8(add + j); v1 += load8(add + j + 8) }
        store8(v0, out + j); store8(v1, out + j + 8)
        j += 16
      }
      while j < columns {
        let count = min(8, columns - j)
        var v = count == 8 ? load8(out + j) : loadPartial(out + j, count)
        if let bias { v += count == 8 ? load8(bias + j) : loadPartial(bias + j, count) }
        v = F.apply(v)
        if let add { v += count == 8 ? load8(add + j) : loadPartial(add + j, count) }
        if count == 8 { store8(v, out + j) } else { storePartial(v, out + j, count) }
        j += 8
      }
    }
  }
}
