import Foundation
import Testing
import Kernels
import KernelIntrinsics
import KernelIntrinsicsAVX2

/// The CPU dispatch of the int8 kernels and the bf16 precision's rounding.
@Suite struct PrecisionTests {
  static let zen4Flags = "processor\t: 0\nflags\t\t: fpu sse2 avx2 fma avx512f avx512bw avx512vl avx512_vnni "
    + "avx512_bf16\nbugs\t\t: sysret_ss_attrs\nflags\t\t: ignored\n"

  @Test func parsesCPUInfoFlags() {
    let flags = CPUFeatures.parseCPUInfo(Self.zen4Flags)
    #expect(flags == ["fpu", "sse2", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16"])
    #expect(CPUFeatures.parseCPUInfo("processor: 0\n").isEmpty)
  }

  @Test func parsesTheVendor() {
    let text = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nvendor_id\t: GenuineIntel\n"
    #expect(CPUFeatures.parseVendor(text) == "AuthenticAMD")
    #expect(CPUFeatures(flags: [], vendor: CPUFeatures.parseVendor(text)).isAMD)
    #expect(CPUFeatures.parseVendor("vendor_id\t: GenuineIntel\n") == "GenuineIntel")
    #expect(!CPUFeatures(flags: [], vendor: "GenuineIntel").isAMD)
    #expect(CPUFeatures.parseVendor("processor: 0\nvendor_id\t:\n") == nil)
    #expect(!CPUFeatures(flags: []).isAMD)
  }

  @Test func choosesTheFastestKernelBuiltAndSupported() {
    let zen4 = CPUFeatures(flags: CPUFeatures.parseCPUInfo(Self.zen4Flags))
    #expect(Int8Kernel.choose(vnniCompiled: true, avx2Compiled: true, features: zen4) == .vnni512)
    #expect(Int8Kernel.choose(vnniCompiled: false, avx2Compiled: true, features: zen4) == .avx2)
    #expect(Int8Kernel.choose(vnniCompiled: false, avx2Compiled: false, features: zen4) == .portable)
    let haswell = CPUFeatures(flags: ["avx2", "fma"])
    #expect(Int8Kernel.choose(vnniCompiled: true, avx2Compiled: true, features: haswell) == .avx2)
    #expect(haswell.missing(CPUFeatures.vnni512Flags) == ["avx512f", "avx512bw", "avx512vl", "avx512_vnni"])
    // Skylake-X: AVX-512 without VNNI.
    let skylake = CPUFeatures(flags: ["avx2", "avx512f", "avx512bw", "avx512vl"])
    #expect(Int8Kernel.choose(vnniCompiled: true, avx2Compiled: true, features: skylake) == .avx2)
    #expect(skylake.missing(CPUFeatures.vnni512Flags) == ["avx512_vnni"])
    // A CPU without AVX2 (or a portable build on any CPU).
    #expect(Int8Kernel.choose(vnniCompiled: true, avx2Compiled: true, features: CPUFeatures(flags: ["sse2"]))
            == .portable)
  }

  /// This machine: every kernel that the build has and the CPU's flags allow, the fastest as `best`, and
  /// `requireAcceleration` agreeing.
  @Test func thisMachineGetsTheKernelsItCanRun() throws {
    let flags = CPUFeatures.current
    let vnni = Int8DotKernel.isCompiled && flags.missing(CPUFeatures.vnni512Flags).isEmpty
    let avx2 = Int8DotKernelAVX2.isCompiled && flags.flags.contains("avx2")
    #expect(Int8Kernel.available == (vnni ? [.vnni512] : []) + (avx2 ? [.avx2] : []) + [.portable])
    #expect(Int8Kernel.best == Int8Kernel.available.first)
    if vnni {
      try LinearPrecision.int8.requireAcceleration()
      #expect(LinearPrecision.int8.kernelDescription == "int8: AVX-512 VNNI (vpdpbusd)")
    } else {
      let missing = Int8DotKernel.isCompiled ? flags.missing(CPUFeatures.vnni512Flags) : []
      #expect(throws: PrecisionError.notAccelerated(.int8, missing: missing)) {
        try LinearPrecision.int8.requireAcceleration()
      }
    }
    try LinearPrecision.float32.requireAcceleration()
    try LinearPrecision.bfloat16.requireAcceleration()
  }

  @Test func errorNamesWhatIsMissing() {
    let error = PrecisionError.notAccelerated(.int8, missing: ["avx512_vnni"])
    #expect(error.description == "precision int8 has no fast kernel here: the CPU lacks avx512_vnni")
  }

  @Test func bfloat16RoundsToNearestEven() {
    #expect(bfloat16Bits(1) == 0x3F80)
    #expect(bfloat16Bits(Float(bitPattern: 0x3F80_8000)) == 0x3F80)  // tie, even below
    #expect(bfloat16Bits(Float(bitPattern: 0x3F81_8000)) == 0x3F82)  // tie, even above
    #expect(bfloat16Bits(Float(bitPattern: 0x3F80_8001)) == 0x3F81)
    #expect(bfloat16Bits(Float(bitPattern: 0x3F80_7FFF)) == 0x3F80)
    #expect(bfloat16Bits(-2.5) == 0xC020)
    #expect(bfloat16Bits(.greatestFiniteMagnitude) == 0x7F80)  // rounds up to infinity
    #expect(bfloat16Bits(.infinity) == 0x7F80)
    #expect(bfloat16Bits(Float(bitPattern: 0x7F80_0001)) & 0x7FC0 == 0x7FC0)  // a signalling NaN stays a NaN
  }

  /// The bf16 layer is the float layer of the rounded weights (bias and activation as for floats), within 2⁻⁸
  /// of the exact weights' result.
  @Test(arguments: [1, 7, 50, 257])
  func bfloat16LinearIsTheRoundedWeightsLayer(rows: Int) {
    var random = Random(UInt64(2000 + rows))
    for (k, n) in [(1, 1), (67, 33), (300, 17), (771, 64)] {
      let x = random.matrix(rows, k), w = random.matrix(n, k), bias = random.floats(n)
      let layer = LinearWeights(quantizing: w.scalars, bias: bias, outFeatures: n, inFeatures: k, precision: .bfloat16)
      #expect(layer.precision == .bfloat16 && layer.holdsHalves)
      let rounded = w.scalars.map { Float(bitPattern: UInt32(bfloat16Bits($0)) << 16) }
      let same = LinearWeights(weight: rounded, bias: bias, outFeatures: n, inFeatures: k)
      #expect(linear(x, layer, activation: .gelu) == linear(x, same, activation: .gelu), "\(rows)×\(k)·\(k)×\(n)")
      let exact = LinearWeights(weight: w.scalars, bias: bias, outFeatures: n, inFeatures: k)
      expectClose(linear(x, layer), linear(x, exact), bound: Reference.matmulTransposed(x.magnitudes, w.magnitudes),
                  relative: 1.0 / 256, "bf16 vs f32 \(rows)×\(k)·\(k)×\(n)")
    }
  }

  @Test func float32PrecisionIsThePlainLayer() {
    var random = Random(3)
    let x = random.matrix(7, 50), w = random.matrix(20, 50)
    let plain = LinearWeights(weight: w.scalars, bias: nil, outFeatures: 20, inFeatures: 50)
    let chosen = LinearWeights(quantizing: w.scalars, bias: nil, outFeatures: 20, inFeatures: 50, precision: .float32)
    #expect(chosen.precision == .float32)
    #expect(linear(x, chosen) == linear(x, plain))
  }

  /// Stored checkpoint bytes (two stacked blocks, as a fused projection's) give the layers that the same floats
  /// give, at every precision; a bfloat16 checkpoint at `.bfloat16` keeps its halves as stored.
  @Test(arguments: LinearPrecision.allCases)
  func storedBlocksMatchTheFloats(precision: LinearPrecision) {
    var random = Random(21)
    let (k, top, bottom) = (45, 40, 27)
    // Values exact in binary16 and bfloat16 (multiples of 1/64 in [-1, 1)), so every format stores the same floats.
    let w = random.floats((top + bottom) * k).map { ($0 * 64).rounded() / 64 }
    let x = random.matrix(7, k), bias = random.floats(top + bottom)
    let expected = linear(x, LinearWeights(quantizing: w, bias: bias, outFeatures: top + bottom, inFeatures: k,
                                           precision: precision))
    func blocks<T>(_ encode: (Float) -> T) -> [Data] {
      [Array(w[..<(top * k)]), Array(w[(top * k)...])].map { part in
        part.map(encode).withUnsafeBytes { Data($0) }
      }
    }
    let floats = LinearWeights(float32Blocks: blocks { $0.bitPattern.littleEndian }, bias: bias, inFeatures: k,
                               precision: precision)
    #expect(linear(x, floats) == expected, "f32 bytes")
    let brain = LinearWeights(halfBlocks: blocks { bfloat16Bits($0).littleEndian }, format: .bfloat16, bias: bias,
                              inFeatures: k, precision: precision)
    #expect(linear(x, brain) == expected, "bf16 bytes")
    #expect(brain.holdsHalves == (precision != .int8))
    #if !(os(macOS) && arch(x86_64))
    let halves = LinearWeights(halfBlocks: blocks { Float16($0).bitPattern.littleEndian }, format: .binary16,
                               bias: bias, inFeatures: k, precision: precision)
    #expect(linear(x, halves) == expected, "f16 bytes")
    #endif
  }
}
