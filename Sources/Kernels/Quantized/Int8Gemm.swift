import KernelIntrinsics
import KernelIntrinsicsAVX2

// The int8 matrix multiply behind `linear` for `LinearPrecision.int8` layers: `C = (A · B) then epilogue`, with A
// quantized per row at each call and B an `Int8Panels`.
//
// - A's rows are quantized first (dynamic, symmetric: scale = max |row| / 127, integers in [-127, 127]) into
//   scratch as unsigned bytes `q + 128`, each row padded with 128s to the panels' depth (the padding meets zero
//   weights). `vpdpbusd` multiplies unsigned by signed bytes; `Int8Panels.compensation` removes the 128s.
// - Tiles are 8 rows × 32 columns (one panel), over the whole depth at once: the sums are exact `Int32`s, so no
//   depth blocking is needed for their order, and a panel (K · 32 bytes: 96 KB at K = 3072) stays in L2 while the
//   row micro-panels of a row block (96 rows) pass it. The kernel converts each tile to floats, scaled by its
//   row's and its column's scale; `Gemm.finish` then applies the bias, activation and residual to each panel's
//   strip, as for floats.
// - Work is split as `Gemm.multiply` splits it: by panels when there are enough, else by micro-panels of rows.
// - Every kernel computes the same integers and then the same float operations, so the VNNI and the portable
//   kernel give bit-identical results, whatever the thread count.
enum Int8Gemm {
  static let microRows = Int8DotKernel.maxRows
  /// Micro-panels of rows that pass one panel before the next panel is taken (96 rows of A: 288 KB at K = 3072).
  static let rowBlock = 12

  /// `C[m × width] = A[m × depth] · B` (B's outputs `firstOutput ..< firstOutput + width`, a panel boundary),
  /// then `epilogue`, on up to `threads` threads with `kernel`.
  static func multiply(m: Int, a: UnsafePointer<Float>, lda: Int, b: Int8Panels, firstOutput: Int, width: Int,
                       c: UnsafeMutablePointer<Float>, ldc: Int, epilogue: Epilogue, threads: Int,
                       kernel: Int8Kernel) {
    guard m > 0, width > 0 else { return }
    precondition(firstOutput % Int8Panels.halfWidth == 0 && firstOutput + width <= b.width,
                 "Int8Gemm: outputs \(firstOutput) ..< \(firstOutput + width) of \(b.width), not at a half panel")
    let rowBytes = b.groups * 4
    let panels = Int8Panels.panelCount(width), micro = (m + microRows - 1) / microRows
    var threads = max(1, threads)
    if m * width * b.depth < Gemm.parallelThreshold { threads = 1 }
    // Bytes of A, then its row scales (64-byte aligned).
    let quantizedBytes = (m * rowBytes + 63) / 64 * 64
    ScratchPool.shared.withBuffer(floats: quantizedBytes / 4 + m) { scratch in
      let bytes = UnsafeMutableRawPointer(scratch).assumingMemoryBound(to: UInt8.self)
      let rowScales = scratch + quantizedBytes / 4
      let quantizeParts = m * b.depth >= 1 << 16 ? min(threads, m) : 1
      parallelFor(items: quantizeParts, threads: threads) { part in
        for row in Gemm.split(m, into: quantizeParts, part: part) {
          quantizeRow(a + row * lda, depth: b.depth, paddedTo: rowBytes, into: bytes + row * rowBytes,
                      scale: rowScales + row)
        }
      }
      var columnParts: Int, rowParts: Int
      if panels >= 2 * threads {
        (columnParts, rowParts) = (threads, 1)
        if threads > 1 && m > Gemm.fewRows { columnParts = threads * max(1, min(4, panels / (3 * threads))) }
      } else if micro >= threads {
        (columnParts, rowParts) = (1, threads)
      } else {
        columnParts = max(1, min(panels, threads))
        rowParts = max(1, min(micro, threads / columnParts))
      }
      b.columnScales.withUnsafeBufferPointer { columnScales in
        b.compensation.withUnsafeBufferPointer { compensation in
          let operands = Operands(a: bytes, lda: rowBytes, rowScales: rowScales, b: b,
                                  firstHalf: firstOutput / Int8Panels.halfWidth,
                                  columnScales: columnScales.baseAddress! + firstOutput,
                                  compensation: compensation.baseAddress! + firstOutput)
          parallelFor(items: columnParts * rowParts, threads: threads) { part in
            compute(m: m, microPanels: Gemm.split(micro, into: rowParts, part: part / columnParts),
                    panels: Gemm.split(panels, into: columnParts, part: part % columnParts), width: width,
                    operands: operands, c: c, ldc: ldc, epilogue: epilogue, kernel: kernel)
          }
        }
      }
    }
  }

  /// The quantized A and the panels, as the tiles read them.
  struct Operands {
    var a: UnsafePointer<UInt8>
    var lda: Int
    var rowScales: UnsafePointer<Float>
    var b: Int8Panels
    /// The 16-column half of `b` that is C's first.
    var firstHalf: Int
    /// From C's first column on.
    var columnScales: UnsafePointer<Float>
    var compensation: UnsafePointer<Int32>
  }

  /// One chunk: the given micro-panels of rows times the given panels, on this thread.
  static func compute(m: Int, microPanels: Range<Int>, panels: Range<Int>, width: Int, operands o: Operands,
                      c: UnsafeMutablePointer<Float>, ldc: Int, epilogue: Epilogue, kernel: Int8Kernel) {
    let micro = (m + microRows - 1) / microRows, w = Int8Panels.panelWidth
    withUnsafeTemporaryAllocation(of: Float.self, capacity: microRows * w) { buffer in
      let scratchTile = buffer.baseAddress!
      var q0 = microPanels.lowerBound
      while q0 < microPanels.upperBound {
        let q1 = min(q0 + rowBlock, microPanels.upperBound)
        for p in panels {
          let column = p * w, columns = min(w, width - column)
          let panel = UnsafePointer(o.b.storage + (o.firstHalf + 2 * p) * o.b.halfBytes)
          // With few rows each panel is read once per call, from memory: each tile over this one asks for a share of
          // the next panel's lines, so that its first tile does not wait for them (a batch-1 ViT-B/32 image 2.4-3.5%
          // faster, paired runs; with more rows the panels come from L2/L3 and it changed nothing).
          let nextLines = p + 1 < panels.upperBound && m <= Gemm.fewRows ? 2 * o.b.halfBytes / 64 : 0
          for q in q0..<q1 {
            if nextLines > 0 {
              let next = UnsafeRawPointer(panel + 2 * o.b.halfBytes)
              for line in Gemm.split(nextLines, into: q1 - q0, part: q - q0) { prefetchToL2(next + line * 64) }
            }
            let (start, height) = Gemm.microPanel(q, rows: m, count: micro)
            // A ragged last panel goes through a stack tile, its valid columns copied out.
            let full = columns == w
            let out = full ? c + start * ldc + column : scratchTile
            tile(kernel, rows: height, groups: o.b.groups, a: o.a + start * o.lda, lda: o.lda, b: panel,
                 halfStride: o.b.halfBytes, compensation: o.compensation + column, rowScales: o.rowScales + start,
                 columnScales: o.columnScales + column, c: out, ldc: full ? ldc : w)
            if !full {
              for r in 0..<height { (c + (start + r) * ldc + column).update(from: scratchTile + r * w, count: columns) }
            }
          }
          if !epilogue.isIdentity {
            let first = Gemm.microPanel(q0, rows: m, count: micro).start
            let end = Gemm.microPanel(q1 - 1, rows: m, count: micro)
            Gemm.finish(c + first * ldc + column, ldc: ldc, rows: end.start + end.height - first, firstRow: first,
                        firstColumn: column, columns: columns, epilogue: epilogue)
          }
        }
        q0 = q1
      }
    }
  }

  /// One tile on `kernel`; see `Int8DotKernel.tile` for the operands.
  @inline(__always)
  static func tile(_ kernel: Int8Kernel, rows: Int, groups: Int, a: UnsafePointer<UInt8>, lda: Int,
                   b: UnsafePointer<Int8>, halfStride: Int, compensation: UnsafePointer<Int32>,
                   rowScales: UnsafePointer<Float>, columnScales: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
                   ldc: Int) {
    switch kernel {
    case .vnni512:
      Int8DotKernel.tile(rows: rows, groups: groups, a: a, lda: lda, b: b, halfStride: halfStride,
                         compensation: compensation,
                         rowScales: rowScales, columnScales: columnScales, c: c, ldc: ldc)
    case .avx2:
      Int8DotKernelAVX2.tile(rows: rows, groups: groups, a: a, lda: lda, b: b, halfStride: halfStride,
                             compensation: compensation,
                             rowScales: rowScales, columnScales: columnScales, c: c, ldc: ldc)
    case .portable:
      portableTile(rows: rows, groups: groups, a: a, lda: lda, b: b, halfStride: halfStride,
                   compensation: compensation,
                   rowScales: rowScales, columnScales: columnScales, c: c, ldc: ldc)
    }
  }

  /// `Int8DotKernel.tile` in plain Swift: the same `Int32` sums, then the same float operations.
  static func portableTile(rows: Int, groups: Int, a: UnsafePointer<UInt8>, lda: Int, b: UnsafePointer<Int8>,
                           halfStride: Int, compensation: UnsafePointer<Int32>, rowScales: UnsafePointer<Float>,
                           columnScales: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int) {
    for r in 0..<rows {
      let row = a + r * lda
      var low = SIMD16<Int32>(), high = SIMD16<Int32>()
      for g in 0..<groups {
        let weights = b + g * 64
        for t in 0..<4 {
          let x = SIMD16<Int32>(repeating: Int32(row[g * 4 + t]))
          var w0 = SIMD16<Int32>(), w1 = SIMD16<Int32>()
          for l in 0..<16 {
            w0[l] = Int32(weights[l * 4 + t])
            w1[l] = Int32(weights[halfStride + l * 4 + t])
          }
          low &+= x &* w0
          high &+= x &* w1
        }
      }
      let load = { (p: UnsafeRawPointer, offset: Int) in
        p.loadUnaligned(fromByteOffset: offset, as: SIMD16<Int32>.self)
      }
      let scales = { (offset: Int) in
        UnsafeRawPointer(columnScales).loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
      }
      let rowScale = rowScales[r]
      let out = UnsafeMutableRawPointer(c + r * ldc)
      out.storeBytes(of: SIMD16<Float>(low &- load(compensation, 0)) * (scales(0) * rowScale), as: SIMD16<Float>.self)
      out.storeBytes(of: SIMD16<Float>(high &- load(compensation, 64)) * (scales(64) * rowScale), toByteOffset: 64,
                     as: SIMD16<Float>.self)
    }
  }

  /// Quantizes one row of `depth` floats: `scale = max |x| / 127`, bytes `round(x / scale) + 128` (to nearest,
  /// ties to even, as `Int8(quantizing:)`), padded with 128 to `paddedTo` bytes. A row of zeros has scale 0.
  static func quantizeRow(_ x: UnsafePointer<Float>, depth: Int, paddedTo length: Int,
                          into out: UnsafeMutablePointer<UInt8>, scale: UnsafeMutablePointer<Float>) {
    var largest = SIMD8<Float>()
    var k = 0
    while k + 8 <= depth {
      let v = load8(x + k)
      largest = vmax(largest, vmax(v, -v))
      k += 8
    }
    var top = horizontalMax(largest)
    while k < depth {
      top = max(top, abs(x[k]))
      k += 1
    }
    scale.pointee = top / 127
    let inverse: Float = top > 0 ? 127 / top : 0
    k = 0
    // Adding 1.5 · 2²³ rounds a float of magnitude <= 127 to an integer (ties to even, in the float unit's one
    // rounding) that then sits in the low bits: a bit cast and an integer subtraction take it out. (The generic
    // float-to-integer vector conversion went lane by lane through the standard library: most of the call.)
    let magic = SIMD8<Float>(repeating: 12_582_912), low = SIMD8<Float>(repeating: -127), high = -low
    while k + 8 <= depth {
      let q = vmin(vmax(load8(x + k) * inverse, low), high) + magic
      let integers = unsafeBitCast(q, to: SIMD8<Int32>.self) &- (0x4B40_0000 - 128)
      UnsafeMutableRawPointer(out + k).storeBytes(of: SIMD8<UInt8>(truncatingIfNeeded: integers), as: SIMD8<UInt8>.self)
      k += 8
    }
    while k < depth {
      out[k] = UInt8(Int(Int8(quantizing: x[k] * inverse)) + 128)
      k += 1
    }
    for k in depth..<length { out[k] = 128 }
  }
}
