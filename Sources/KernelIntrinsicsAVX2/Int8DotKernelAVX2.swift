// The int8 tile kernel for x86_64 CPUs with AVX2 but without AVX-512 VNNI (Haswell to Zen 3, Intel client CPUs),
// on `vpmaddwd` (16 16-bit products summed in pairs into 8 32-bit lanes) reached through the `Builtin` module as
// in KernelIntrinsics. A module of its own because KernelIntrinsics is compiled with the AVX-512 target features,
// which would let the compiler use AVX-512 in this kernel too: this one is compiled for Haswell only.
//
// Not `vpmaddubsw` (unsigned × signed bytes summed in pairs into 16 bits, twice the products per instruction): its
// pair sums saturate (255 · 127 · 2 > 32767) and would change the results. Here the bytes are widened to 16 bits
// (`vpmovsxbw`, the weights; the activations once per group and row), the products are exact and the `Int32`
// sums are those of the VNNI kernel, so the two give the same bits.
//
// Built without the flag (other architectures, `CLIP_WORKER_PORTABLE=1`), `Int8DotKernelAVX2.isCompiled` is false.
import Swift

/// The AVX2 int8 tile kernel, when this build has it.
public enum Int8DotKernelAVX2 {
  /// Whether this build contains the kernel (x86_64, not portable). Calling it needs AVX2: Kernels checks.
  public static var isCompiled: Bool {
    #if CLIP_WORKER_AVX2_INT8
    return true
    #else
    return false
    #endif
  }

  /// `Int8DotKernel.tile`'s contract, on AVX2: `C[rows × 32] = (A · B - compensation) · rowScale · columnScale`
  /// with the same operands and layout, `1 <= rows <= 8`.
  public static func tile(rows: Int, groups: Int, a: UnsafePointer<UInt8>, lda: Int, b: UnsafePointer<Int8>,
                          halfStride: Int, compensation: UnsafePointer<Int32>, rowScales: UnsafePointer<Float>,
                          columnScales: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int) {
    #if CLIP_WORKER_AVX2_INT8
    // Sub-tiles of 2 rows × 16 columns: 8 accumulators, 4 widened weight vectors and a broadcast of the 16
    // vector registers.
    for half in 0..<2 {
      var row = 0
      while row < rows {
        let pair = rows - row >= 2
        let arguments = (groups, UnsafeRawPointer(a + row * lda), lda, UnsafeRawPointer(b) + half * halfStride,
                         compensation + half * 16, rowScales + row, columnScales + half * 16, c + row * ldc + half * 16,
                         ldc)
        if pair { subtile(Two.self, arguments) } else { subtile(One.self, arguments) }
        row += pair ? 2 : 1
      }
    }
    #else
    preconditionFailure("Int8DotKernelAVX2.tile: this build has no AVX2 int8 kernel")
    #endif
  }
}

#if CLIP_WORKER_AVX2_INT8
private protocol PairRows { static var count: Int { get } }
private enum One: PairRows { static var count: Int { 1 } }
private enum Two: PairRows { static var count: Int { 2 } }

@inline(__always)
private func pmaddwd(_ a: SIMD16<Int16>, _ b: SIMD16<Int16>) -> SIMD8<Int32> {
  var result = SIMD8<Int32>()
  result._storage._value = Builtin.int_x86_avx2_pmadd_wd(a._storage._value, b._storage._value)
  return result
}

/// 16 signed bytes sign-extended to 16 bits (`vpmovsxbw` from memory).
@inline(__always)
private func widenedWeights(_ pointer: UnsafeRawPointer) -> SIMD16<Int16> {
  var result = SIMD16<Int16>()
  result._storage._value = Builtin.sext_Vec16xInt8_Vec16xInt16(
    pointer.loadUnaligned(as: SIMD16<Int8>.self)._storage._value)
  return result
}

/// One row's 4 activation bytes of a group, zero-extended to 16 bits and repeated for 4 columns.
@inline(__always)
private func broadcastActivations(_ pointer: UnsafeRawPointer) -> SIMD16<Int16> {
  var four = SIMD4<Int16>()
  four._storage._value = Builtin.zext_Vec4xInt8_Vec4xInt16(pointer.loadUnaligned(as: SIMD4<UInt8>.self)._storage._value)
  return unsafeBitCast(SIMD4<Int64>(repeating: unsafeBitCast(four, to: Int64.self)), to: SIMD16<Int16>.self)
}

/// `Int32` lanes to floats (`vcvtdq2ps`). `SIMD16<Float>(_:)` was a call out of line.
@inline(__always)
private func floats(_ v: SIMD16<Int32>) -> SIMD16<Float> {
  var result = SIMD16<Float>()
  result._storage._value = Builtin.sitofp_Vec16xInt32_Vec16xFPIEEE32(v._storage._value)
  return result
}

/// `R.count` rows × 16 columns. The 64 bytes of a group in a half are 16 columns × 4 depths; widened 16 bytes at
/// a time (4 columns), `vpmaddwd` against the row's 4 activations leaves, per column, the sums of depths 0-1 and 2-3
/// in adjacent lanes, kept apart until the end.
@inline(never)
private func subtile<R: PairRows>(_: R.Type, _ o: (groups: Int, a: UnsafeRawPointer, lda: Int, b: UnsafeRawPointer,
                                                   compensation: UnsafePointer<Int32>, rowScales: UnsafePointer<Float>,
                                                   columnScales: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
                                                   ldc: Int)) {
  let two = R.count == 2
  var a0 = SIMD8<Int32>(), a1 = SIMD8<Int32>(), a2 = SIMD8<Int32>(), a3 = SIMD8<Int32>()
  var b0 = SIMD8<Int32>(), b1 = SIMD8<Int32>(), b2 = SIMD8<Int32>(), b3 = SIMD8<Int32>()
  var pa = o.a, pb = o.b
  for _ in 0..<o.groups {
    let w0 = widenedWeights(pb), w1 = widenedWeights(pb + 16), w2 = widenedWeights(pb + 32)
    let w3 = widenedWeights(pb + 48)
    let x = broadcastActivations(pa)
    a0 &+= pmaddwd(w0, x); a1 &+= pmaddwd(w1, x); a2 &+= pmaddwd(w2, x); a3 &+= pmaddwd(w3, x)
    if two {
      let y = broadcastActivations(pa + o.lda)
      b0 &+= pmaddwd(w0, y); b1 &+= pmaddwd(w1, y); b2 &+= pmaddwd(w2, y); b3 &+= pmaddwd(w3, y)
    }
    pa += 4
    pb += 64
  }
  let compensation = UnsafeRawPointer(o.compensation).loadUnaligned(as: SIMD16<Int32>.self)
  let scales = UnsafeRawPointer(o.columnScales).loadUnaligned(as: SIMD16<Float>.self)
  @inline(__always) func store(_ row: Int, _ v0: SIMD8<Int32>, _ v1: SIMD8<Int32>, _ v2: SIMD8<Int32>,
                               _ v3: SIMD8<Int32>) {
    let low = SIMD8(lowHalf: v0.evenHalf &+ v0.oddHalf, highHalf: v1.evenHalf &+ v1.oddHalf)
    let high = SIMD8(lowHalf: v2.evenHalf &+ v2.oddHalf, highHalf: v3.evenHalf &+ v3.oddHalf)
    let sums = SIMD16(lowHalf: low, highHalf: high) &- compensation
    UnsafeMutableRawPointer(o.c + row * o.ldc).storeBytes(of: floats(sums) * (scales * o.rowScales[row]),
                                                          as: SIMD16<Float>.self)
  }
  store(0, a0, a1, a2, a3)
  if two { store(1, b0, b1, b2, b3) }
}
#endif
