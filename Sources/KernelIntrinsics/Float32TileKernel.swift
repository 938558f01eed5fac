// Why this kernel lives here and not in Kernels: Kernels is compiled for Haswell (AVX2), whose 8-float FMAs are
// the whole width of a Zen 4 core's FMA units but half of an Intel server core's (Sapphire/Emerald Rapids have two
// 512-bit FMA units: 32 multiply-adds a cycle against 16 with 8-float vectors). Only a module compiled with
// AVX-512 can use 16-float vectors, and this is the one (see Int8DotKernel.swift for why it is `-parse-stdlib`).
// Kernels calls it only after `CPUFeatures` found AVX-512 F (`Float32Kernel.avx512`).
//
// Each accumulator lane sums its products in increasing k with one fused multiply-add per step, starting from
// zero or from the stored partial sums, exactly as Kernels' 8-float kernels do: the same floats, whichever kernel.
import Swift

/// The 16-float tile kernel of Kernels' F32 matrix multiply, when this build has it.
public enum Float32TileKernel {
  /// Whether this build contains the kernel (x86_64, not portable): the one build flag of this module's AVX-512
  /// code decides it, as for `Int8DotKernel`. Calling it still needs a CPU with AVX-512 F: Kernels checks.
  public static var isCompiled: Bool { Int8DotKernel.isCompiled }

  /// `C[rows × 32] (+)= A[rows × depth] · [B₀ B₁]` for two packed 16-column panels (for each k, 16 floats of each;
  /// 64-byte aligned), C's columns 0..<16 from `b0`, 16..<32 from `b1`; with `accumulate`, C's tile is loaded first.
  /// While it computes, it asks for one 64-byte line every `prefetchInterval` k-steps from `prefetch` on (into L1
  /// too when `prefetchIntoL1`), as Kernels' `LinePrefetch`.
  ///
  /// - Precondition: `1 <= rows <= 6`, and the CPU has AVX-512 F (the caller checks; without it this is an
  ///   illegal instruction).
  public static func tile(rows: Int, depth: Int, a: UnsafePointer<Float>, lda: Int, b0: UnsafePointer<Float>,
                          b1: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool,
                          prefetch: UnsafeRawPointer?, prefetchInterval: Int, prefetchIntoL1: Bool) {
    #if CLIP_WORKER_VNNI
    let panels = (UnsafeRawPointer(b0), UnsafeRawPointer(b1))
    let lines = Lines(next: prefetch, interval: max(1, prefetchInterval), intoL1: prefetchIntoL1)
    switch rows {
    case 6: floatTile(Rows6.self, depth, a, lda, panels, c, ldc, accumulate, lines)
    case 5: floatTile(Rows5.self, depth, a, lda, panels, c, ldc, accumulate, lines)
    case 4: floatTile(Rows4.self, depth, a, lda, panels, c, ldc, accumulate, lines)
    case 3: floatTile(Rows3.self, depth, a, lda, panels, c, ldc, accumulate, lines)
    case 2: floatTile(Rows2.self, depth, a, lda, panels, c, ldc, accumulate, lines)
    default: floatTile(Rows1.self, depth, a, lda, panels, c, ldc, accumulate, lines)
    }
    #else
    preconditionFailure("Float32TileKernel.tile: this build has no AVX-512 kernel")
    #endif
  }
}

#if CLIP_WORKER_VNNI
@_silgen_name("llvm.prefetch.p0")
private func llvmPrefetch(_ address: UnsafeRawPointer, _ write: Int32, _ locality: Int32, _ cacheType: Int32)

/// The lines of B that a tile asks for while it computes.
private struct Lines {
  var next: UnsafeRawPointer?
  var interval: Int
  var intoL1: Bool
}

private typealias Vector = Builtin.Vec16xFPIEEE32

@inline(__always)
private func load(_ pointer: UnsafeRawPointer, _ offset: Int = 0) -> Vector {
  pointer.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)._storage._value
}

@inline(__always)
private func store(_ value: Vector, _ pointer: UnsafeMutableRawPointer, _ offset: Int = 0) {
  var vector = SIMD16<Float>()
  vector._storage._value = value
  pointer.storeBytes(of: vector, toByteOffset: offset, as: SIMD16<Float>.self)
}

/// `x · y + z` in one rounding, lane by lane (`vfmadd231ps`).
@inline(__always)
private func fma(_ x: Vector, _ y: Vector, _ z: Vector) -> Vector { Builtin.int_fma_Vec16xFPIEEE32(x, y, z) }

@inline(__always)
private func broadcast(_ pointer: UnsafePointer<Float>) -> Vector {
  SIMD16<Float>(repeating: pointer.pointee)._storage._value
}

/// 12 accumulators (6 rows × 2 panels), 2 panel vectors and a broadcast: 15 of the 32 vector registers; 12
/// independent sums hide the FMA latency (4 cycles, 2 units: 8 needed).
@inline(never)
private func floatTile<R: TileRows>(_: R.Type, _ depth: Int, _ a: UnsafePointer<Float>, _ lda: Int,
                                    _ b: (UnsafeRawPointer, UnsafeRawPointer), _ c: UnsafeMutablePointer<Float>,
                                    _ ldc: Int, _ accumulate: Bool, _ lines: Lines) {
  let rows = R.count
  let zero = SIMD16<Float>()._storage._value
  var c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero
  var c30 = zero, c31 = zero, c40 = zero, c41 = zero, c50 = zero, c51 = zero
  let out = UnsafeMutableRawPointer(c), rowBytes = ldc &* 4
  if accumulate {
    c00 = load(out); c01 = load(out, 64)
    if rows > 1 { c10 = load(out + rowBytes); c11 = load(out + rowBytes, 64) }
    if rows > 2 { c20 = load(out + 2 &* rowBytes); c21 = load(out + 2 &* rowBytes, 64) }
    if rows > 3 { c30 = load(out + 3 &* rowBytes); c31 = load(out + 3 &* rowBytes, 64) }
    if rows > 4 { c40 = load(out + 4 &* rowBytes); c41 = load(out + 4 &* rowBytes, 64) }
    if rows > 5 { c50 = load(out + 5 &* rowBytes); c51 = load(out + 5 &* rowBytes, 64) }
  }
  var pa = a, p0 = b.0, p1 = b.1
  var line = lines.next, countdown = 1
  @inline(__always) func step(_ k: Int) {
    let v0 = load(p0, k &* 64), v1 = load(p1, k &* 64)
    var x = broadcast(pa + k)
    c00 = fma(x, v0, c00); c01 = fma(x, v1, c01)
    if rows > 1 { x = broadcast(pa + (lda &+ k)); c10 = fma(x, v0, c10); c11 = fma(x, v1, c11) }
    if rows > 2 { x = broadcast(pa + (2 &* lda &+ k)); c20 = fma(x, v0, c20); c21 = fma(x, v1, c21) }
    if rows > 3 { x = broadcast(pa + (3 &* lda &+ k)); c30 = fma(x, v0, c30); c31 = fma(x, v1, c31) }
    if rows > 4 { x = broadcast(pa + (4 &* lda &+ k)); c40 = fma(x, v0, c40); c41 = fma(x, v1, c41) }
    if rows > 5 { x = broadcast(pa + (5 &* lda &+ k)); c50 = fma(x, v0, c50); c51 = fma(x, v1, c51) }
  }
  var remaining = depth
  while remaining >= 2 {
    if let next = line {
      countdown &-= 2
      if countdown <= 0 {
        // Not in debug builds: sanitizer instrumentation makes the call one that may unwind, which LLVM refuses
        // for an intrinsic (as Kernels' Prefetch.swift).
        #if !DEBUG
        if lines.intoL1 { llvmPrefetch(next, 0, 3, 1) } else { llvmPrefetch(next, 0, 2, 1) }
        #endif
        line = next + 64
        countdown &+= lines.interval
      }
    }
    step(0)
    step(1)
    pa += 2
    p0 += 128
    p1 += 128
    remaining &-= 2
  }
  if remaining == 1 { step(0) }
  store(c00, out); store(c01, out, 64)
  if rows > 1 { store(c10, out + rowBytes); store(c11, out + rowBytes, 64) }
  if rows > 2 { store(c20, out + 2 &* rowBytes); store(c21, out + 2 &* rowBytes, 64) }
  if rows > 3 { store(c30, out + 3 &* rowBytes); store(c31, out + 3 &* rowBytes, 64) }
  if rows > 4 { store(c40, out + 4 &* rowBytes); store(c41, out + 4 &* rowBytes, 64) }
  if rows > 5 { store(c50, out + 5 &* rowBytes); store(c51, out + 5 &* rowBytes, 64) }
}
#endif
