// The search prefilter's kernel (issue 17): one int8 query against many int8 rows, on `vpdpbusd` as
// `Int8DotKernel`, for the same reasons (see Int8DotKernel.swift). Kernels calls it only after `CPUFeatures` found
// AVX-512 F/BW/VL and VNNI (`Int8SearchKernel.vnni512`).
//
// Built without the flags (other architectures, `CLIP_WORKER_PORTABLE=1`), `Int8RowDotKernel.isCompiled` is false.
import Swift

/// The int8 row-dot kernel of Kernels' search prefilter, when this build has it.
public enum Int8RowDotKernel {
  /// Whether this build contains the VNNI kernel (x86_64, not portable): the same flag as the tile kernel's.
  /// Calling it still needs a CPU with AVX-512 F/BW/VL and VNNI: Kernels checks.
  public static var isCompiled: Bool { Int8DotKernel.isCompiled }

  /// Rows of a panel: one 16-lane vector of `Int32` sums.
  public static let panelRows = 16

  /// `sums[16 p + r] = Σ_g Σ_t panels[p][g][r][t] · query[g][t]` for each of `panelCount` panels, exact in `Int32`.
  ///
  /// - `panels`: `panelCount` panels of `groups * 64` bytes, one after the other: for each group of 4 depths, the
  ///   panel's 16 rows × 4 consecutive depths as unsigned bytes.
  /// - `query`: `groups` words, each the 4 signed bytes of one group's depths (little-endian order).
  /// - `sums`: room for `panelCount * 16` values.
  ///
  /// - Precondition: the sums fit in `Int32` (`groups * 4 * 255 * 128 < 2³¹`), and the CPU has AVX-512 F/BW/VL
  ///   and VNNI (the caller checks; without them this is an illegal instruction).
  public static func dots(panels: UnsafePointer<UInt8>, panelCount: Int, groups: Int, query: UnsafePointer<Int32>,
                          sums: UnsafeMutablePointer<Int32>) {
    #if CLIP_WORKER_VNNI
    vnniRowDots(UnsafeRawPointer(panels), panelCount, groups, UnsafeRawPointer(query), UnsafeMutableRawPointer(sums))
    #else
    preconditionFailure("Int8RowDotKernel.dots: this build has no VNNI kernel")
    #endif
  }
}

#if CLIP_WORKER_VNNI
/// Each group is one 64-byte load of the panel, one broadcast of the query's word and one `vpdpbusd` (`dpbusd`, in
/// Int8DotKernel.swift). Four accumulators take the groups in turn, so that four sums are in flight and hide the
/// instruction's latency; they are integers, so adding them at the end changes no result. The rows stream from
/// memory once: this loop is bound by the memory bandwidth, not by the multiply-adds.
@inline(never)
private func vnniRowDots(_ panels: UnsafeRawPointer, _ panelCount: Int, _ groups: Int, _ query: UnsafeRawPointer,
                         _ sums: UnsafeMutableRawPointer) {
  var panel = panels
  let panelBytes = groups &* 64
  @inline(__always) func word(_ group: Int) -> SIMD16<Int32> {
    SIMD16(repeating: query.loadUnaligned(fromByteOffset: group &* 4, as: Int32.self))
  }
  for index in 0..<panelCount {
    var a0 = SIMD16<Int32>(), a1 = SIMD16<Int32>(), a2 = SIMD16<Int32>(), a3 = SIMD16<Int32>()
    var group = 0
    while group &+ 4 <= groups {
      let offset = group &* 64
      a0 = dpbusd(a0, panel.loadUnaligned(fromByteOffset: offset, as: SIMD16<Int32>.self), word(group))
      a1 = dpbusd(a1, panel.loadUnaligned(fromByteOffset: offset &+ 64, as: SIMD16<Int32>.self), word(group &+ 1))
      a2 = dpbusd(a2, panel.loadUnaligned(fromByteOffset: offset &+ 128, as: SIMD16<Int32>.self), word(group &+ 2))
      a3 = dpbusd(a3, panel.loadUnaligned(fromByteOffset: offset &+ 192, as: SIMD16<Int32>.self), word(group &+ 3))
      group &+= 4
    }
    while group < groups {
      a0 = dpbusd(a0, panel.loadUnaligned(fromByteOffset: group &* 64, as: SIMD16<Int32>.self), word(group))
      group &+= 1
    }
    sums.storeBytes(of: (a0 &+ a1) &+ (a2 &+ a3), toByteOffset: index &* 64, as: SIMD16<Int32>.self)
    panel += panelBytes
  }
}
#endif
