// Why this module exists: Swift has no way to name the AVX-512 VNNI instruction `vpdpbusd` (64 8-bit
// multiply-adds into 16 32-bit sums per instruction, 4× the multiply-adds of an F32 FMA), and the project takes no
// C code. Compiled with `-parse-stdlib`, a module can call LLVM's intrinsics through the `Builtin` module
// (`Builtin.int_x86_avx512_vpdpbusd_512` on `SIMD16<Int32>._storage._value`); that needs the target features
// `avx512vnni` (and `avx512f/bw/vl`) for the whole module, since Swift 6.3 has no per-function target attribute.
// So the compiler may use AVX-512 anywhere in this module: it holds nothing but kernels (this int8 tile, the search
// prefilter's row dot, the F32 tile of Float32TileKernel.swift), and Kernels calls each only after `CPUFeatures`
// found its instructions (`Int8Kernel.vnni512`, `Float32Kernel.avx512`). The kernel is a whole loop,
// not a per-instruction wrapper: cross-module inlining of an intrinsic into Kernels (compiled for Haswell) would
// not compile, and a call per instruction would be too slow.
//
// (AVX512_BF16's `vdpbf16ps` is out of reach the same way: its LLVM intrinsic takes `bfloat` vectors, a type the
// `Builtin` module does not have, and a `@_silgen_name` declaration fails LLVM's intrinsic signature check.)
//
// Built without the flags (other architectures, `CLIP_WORKER_PORTABLE=1`), the module has no kernel and
// `Int8DotKernel.isCompiled` is false.
import Swift

/// The int8 tile kernel of Kernels' int8 linear layers, when this build has it.
public enum Int8DotKernel {
  /// Whether this build contains the VNNI kernel (x86_64, not portable). Calling it still needs a CPU with
  /// AVX-512 F/BW/VL and VNNI: Kernels checks.
  public static var isCompiled: Bool {
    #if CLIP_WORKER_VNNI
    return true
    #else
    return false
    #endif
  }

  /// Rows a tile has at most.
  public static let maxRows = 8
  /// Columns of a tile (two 16-lane vectors): the width of the weight panels.
  public static let columns = 32

  /// `C[rows × 32] = (A · B - compensation) · rowScale · columnScale` for one tile, the sums exact in `Int32`.
  ///
  /// - `a`: `rows` rows of unsigned bytes, `lda` bytes apart, each `groups * 4` long (the quantized activations
  ///   plus 128).
  /// - `b`: the weights of 32 columns as two halves of 16 columns, `halfStride` bytes apart, of signed bytes: in
  ///   each half, for each group of 4 depths, 16 columns of 4 consecutive depths (`groups * 64` bytes).
  /// - `compensation[j]`: 128 · Σₖ B[k, j], subtracted so that the sums are those of the signed activations.
  /// - `c`: `rows` rows of 32 floats, `ldc` floats apart.
  ///
  /// - Precondition: `1 <= rows <= 8`, and the CPU has AVX-512 F/BW/VL and VNNI (the caller checks; without them
  ///   this is an illegal instruction).
  public static func tile(rows: Int, groups: Int, a: UnsafePointer<UInt8>, lda: Int, b: UnsafePointer<Int8>,
                          halfStride: Int, compensation: UnsafePointer<Int32>, rowScales: UnsafePointer<Float>,
                          columnScales: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int) {
    #if CLIP_WORKER_VNNI
    let a = UnsafeRawPointer(a), b = (UnsafeRawPointer(b), halfStride)
    switch rows {
    case 8: vnniTile(Rows8.self, groups, a, lda, b, compensation, rowScales, columnScales, c, ldc)
    case 7: vnniTile(Rows7.self, groups, a, lda, b, compensation, rowScales, columnScales, c, ldc)
    case 6: vnniTile(Rows6.self, groups, a, lda, b, compensation, rowScales, columnScales, c, ldc)
    case 5: vnniTile(Rows5.self, groups, a, lda, b, compensation, rowScales, columnScales, c, ldc)
    case 4: vnniTile(Rows4.self, groups, a, lda, b, compensation, rowScales, columnScales, c, ldc)
    case 3: vnniTile(Rows3.self, groups, a, lda, b, compensation, rowScales, columnScales, c, ldc)
    case 2: vnniTile(Rows2.self, groups, a, lda, b, compensation, rowScales, columnScales, c, ldc)
    default: vnniTile(Rows1.self, groups, a, lda, b, compensation, rowScales, columnScales, c, ldc)
    }
    #else
    preconditionFailure("Int8DotKernel.tile: this build has no VNNI kernel")
    #endif
  }
}

#if CLIP_WORKER_VNNI
/// `vpdpbusd`: each 32-bit lane of `acc` plus the four products of `a`'s unsigned bytes with `b`'s signed bytes.
/// (Also the search prefilter's, Int8RowDotKernel.swift.)
@inline(__always)
func dpbusd(_ acc: SIMD16<Int32>, _ a: SIMD16<Int32>, _ b: SIMD16<Int32>) -> SIMD16<Int32> {
  var result = acc
  result._storage._value = Builtin.int_x86_avx512_vpdpbusd_512(acc._storage._value, a._storage._value,
                                                               b._storage._value)
  return result
}

/// One row of a tile: its sums less the compensation, as floats, times the column and row scales.
// Every step is a `Builtin` vector operation: written with the standard library's SIMD operators, the
// conversion and the multiply after it became a loop over the 16 lanes (a `vcvtsi2ss`, a `vmulss` and a masked
// broadcast per lane) in this `-parse-stdlib` module: a third of a K = 768 tile's time.
@inline(__always)
private func storeRow(_ v0: SIMD16<Int32>, _ v1: SIMD16<Int32>, _ compensation: (SIMD16<Int32>, SIMD16<Int32>),
                      _ scales: (SIMD16<Float>, SIMD16<Float>), _ rowScale: Float, _ out: UnsafeMutableRawPointer) {
  let row = SIMD16<Float>(repeating: rowScale)
  out.storeBytes(of: scaled(v0, compensation.0, scales.0, row), as: SIMD16<Float>.self)
  out.storeBytes(of: scaled(v1, compensation.1, scales.1, row), toByteOffset: 64, as: SIMD16<Float>.self)
}

/// `Float(sums - compensation) * (scales * row)`, lane by lane (`vpsubd`, `vcvtdq2ps`, two `vmulps`), in the
/// order of the portable kernel's operations, so that both give the same floats.
@inline(__always)
private func scaled(_ sums: SIMD16<Int32>, _ compensation: SIMD16<Int32>, _ scales: SIMD16<Float>,
                    _ row: SIMD16<Float>) -> SIMD16<Float> {
  let exact = Builtin.sub_Vec16xInt32(sums._storage._value, compensation._storage._value)
  let converted = Builtin.sitofp_Vec16xInt32_Vec16xFPIEEE32(exact)
  let factor = Builtin.fmul_Vec16xFPIEEE32(scales._storage._value, row._storage._value)
  var result = SIMD16<Float>()
  result._storage._value = Builtin.fmul_Vec16xFPIEEE32(converted, factor)
  return result
}

/// The tile for `R.count` rows. 16 accumulators (8 rows
/// × 2 vectors of 16 columns), 2 weight vectors and a broadcast: 19 of the 32 vector registers. Each group of 4
/// depths is 2 loads, `rows` broadcasts and `2 × rows` `vpdpbusd`s, 16 independent sums that hide its latency.
@inline(never)
private func vnniTile<R: TileRows>(_: R.Type, _ groups: Int, _ a: UnsafeRawPointer, _ lda: Int,
                                   _ b: (first: UnsafeRawPointer, halfStride: Int),
                                   _ compensation: UnsafePointer<Int32>, _ rowScales: UnsafePointer<Float>,
                                   _ columnScales: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
  let rows = R.count
  var c00 = SIMD16<Int32>(), c01 = SIMD16<Int32>(), c10 = SIMD16<Int32>(), c11 = SIMD16<Int32>()
  var c20 = SIMD16<Int32>(), c21 = SIMD16<Int32>(), c30 = SIMD16<Int32>(), c31 = SIMD16<Int32>()
  var c40 = SIMD16<Int32>(), c41 = SIMD16<Int32>(), c50 = SIMD16<Int32>(), c51 = SIMD16<Int32>()
  var c60 = SIMD16<Int32>(), c61 = SIMD16<Int32>(), c70 = SIMD16<Int32>(), c71 = SIMD16<Int32>()
  var pa = a, pb = b.first
  @inline(__always) func broadcast(_ row: Int) -> SIMD16<Int32> {
    SIMD16(repeating: pa.loadUnaligned(fromByteOffset: row &* lda, as: Int32.self))
  }
  @inline(__always) func group() {
    let b0 = pb.loadUnaligned(as: SIMD16<Int32>.self)
    let b1 = pb.loadUnaligned(fromByteOffset: b.halfStride, as: SIMD16<Int32>.self)
    var x = broadcast(0)
    c00 = dpbusd(c00, x, b0); c01 = dpbusd(c01, x, b1)
    if rows > 1 { x = broadcast(1); c10 = dpbusd(c10, x, b0); c11 = dpbusd(c11, x, b1) }
    if rows > 2 { x = broadcast(2); c20 = dpbusd(c20, x, b0); c21 = dpbusd(c21, x, b1) }
    if rows > 3 { x = broadcast(3); c30 = dpbusd(c30, x, b0); c31 = dpbusd(c31, x, b1) }
    if rows > 4 { x = broadcast(4); c40 = dpbusd(c40, x, b0); c41 = dpbusd(c41, x, b1) }
    if rows > 5 { x = broadcast(5); c50 = dpbusd(c50, x, b0); c51 = dpbusd(c51, x, b1) }
    if rows > 6 { x = broadcast(6); c60 = dpbusd(c60, x, b0); c61 = dpbusd(c61, x, b1) }
    if rows > 7 { x = broadcast(7); c70 = dpbusd(c70, x, b0); c71 = dpbusd(c71, x, b1) }
    pa += 4
    pb += 64
  }
  if rows <= 4 {
    // Too few sums to hide `vpdpbusd`'s latency: alternate groups go into a second set of accumulators
    // (`c4x..c7x`, free here), added at the end. Integer sums, so the order changes no result.
    @inline(__always) func alternate() {
      Swift.swap(&c00, &c40); Swift.swap(&c01, &c41); Swift.swap(&c10, &c50); Swift.swap(&c11, &c51)
      Swift.swap(&c20, &c60); Swift.swap(&c21, &c61); Swift.swap(&c30, &c70); Swift.swap(&c31, &c71)
    }
    var remaining = groups
    while remaining >= 2 {
      group()
      alternate()
      group()
      alternate()
      remaining -= 2
    }
    if remaining == 1 { group() }
    c00 &+= c40; c01 &+= c41; c10 &+= c50; c11 &+= c51
    c20 &+= c60; c21 &+= c61; c30 &+= c70; c31 &+= c71
  } else {
    for _ in 0..<groups { group() }
  }
  let comp0 = UnsafeRawPointer(compensation).loadUnaligned(as: SIMD16<Int32>.self)
  let comp1 = UnsafeRawPointer(compensation).loadUnaligned(fromByteOffset: 64, as: SIMD16<Int32>.self)
  let scale0 = UnsafeRawPointer(columnScales).loadUnaligned(as: SIMD16<Float>.self)
  let scale1 = UnsafeRawPointer(columnScales).loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
  let comps = (comp0, comp1), scales = (scale0, scale1)
  let out = UnsafeMutableRawPointer(c), rowBytes = ldc &* 4
  // Written out per row: as a local function of this generic one, `store` stayed an unspecialized call.
  storeRow(c00, c01, comps, scales, rowScales[0], out + 0 &* rowBytes)
  if rows > 1 { storeRow(c10, c11, comps, scales, rowScales[1], out + 1 &* rowBytes) }
  if rows > 2 { storeRow(c20, c21, comps, scales, rowScales[2], out + 2 &* rowBytes) }
  if rows > 3 { storeRow(c30, c31, comps, scales, rowScales[3], out + 3 &* rowBytes) }
  if rows > 4 { storeRow(c40, c41, comps, scales, rowScales[4], out + 4 &* rowBytes) }
  if rows > 5 { storeRow(c50, c51, comps, scales, rowScales[5], out + 5 &* rowBytes) }
  if rows > 6 { storeRow(c60, c61, comps, scales, rowScales[6], out + 6 &* rowBytes) }
  if rows > 7 { storeRow(c70, c71, comps, scales, rowScales[7], out + 7 &* rowBytes) }
}
#endif
