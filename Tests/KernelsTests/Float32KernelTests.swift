import Foundation
import Testing
import KernelIntrinsics
@testable import Kernels

/// The AVX-512 F32 tile kernel against the 8-float kernels: the same floats, bit for bit, on every path of the
/// multiply (1 to 6 rows a micro-panel, pairs of panels and a lone or narrow last panel, depth blocks, packed floats
/// and halves widened block by block, bias, activation and residual, 1 and 2 threads), and the dispatch.
@Suite(.timeLimit(.minutes(5))) struct Float32KernelTests {
  static let shapes: [(out: Int, inFeatures: Int)] = [(17, 3), (32, 1), (48, 300), (65, 17), (130, 800), (520, 384)]

  @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 13, 50, 257])
  func everyKernelGivesTheFloatsOfTheEightFloatKernel(rows: Int) throws {
    var random = Random(UInt64(rows) &* 7 &+ 3)
    for (out, inFeatures) in Self.shapes {
      let w = random.floats(out * inFeatures), bias = random.floats(out)
      let float = LinearWeights(weight: w, bias: bias, outFeatures: out, inFeatures: inFeatures)
      let (bytes, _) = StoredBytesPackingTests.halves(out * inFeatures, format: .bfloat16, random: &random, offset: 0)
      let halves = LinearWeights(halfBlocks: [bytes], format: .bfloat16, bias: bias, inFeatures: inFeatures)
      let x = random.matrix(rows, inFeatures), residual = random.matrix(rows, out)
      for (name, layer) in [("f32", float), ("bf16", halves)] {
        for threads in [1, 2] {
          KernelThreads.withCount(threads) {
            let expected = linear(x, layer, activation: .quickGELU, adding: residual, int8Kernel: nil,
                                  float32Kernel: .simd8)
            for kernel in Float32Kernel.available where kernel != .simd8 {
              let got = linear(x, layer, activation: .quickGELU, adding: residual, int8Kernel: nil,
                               float32Kernel: kernel)
              #expect(got.scalars == expected.scalars, "\(kernel) \(name) \(rows)×\(inFeatures)·\(inFeatures)×\(out), \(threads) threads")
            }
          }
        }
      }
    }
  }

  @Test func theAVX512KernelIsChosenWhereTheCPUAndTheBuildHaveIt() {
    let avx512 = CPUFeatures(flags: ["avx2", "fma", "avx512f"]), avx2 = CPUFeatures(flags: ["avx2", "fma"])
    #expect(Float32Kernel.choose(avx512Compiled: true, features: avx512) == .avx512)
    #expect(Float32Kernel.choose(avx512Compiled: true, features: avx2) == .simd8)
    #expect(Float32Kernel.choose(avx512Compiled: false, features: avx512) == .simd8)
    // This machine: the AVX-512 kernel whenever this build has it and the CPU lists avx512f.
    let expected: Float32Kernel = Float32TileKernel.isCompiled && CPUFeatures.current.flags.contains("avx512f")
      ? .avx512 : .simd8
    #expect(Float32Kernel.best == expected)
    #expect(Float32Kernel.available.first == Float32Kernel.best && Float32Kernel.available.last == .simd8)
  }

  @Test func fewRowsAreOneBlockForTheEightFloatKernelsEverywhereAndForAVX512OnAMD() {
    let amd = CPUFeatures(flags: ["avx512f"], vendor: "AuthenticAMD")
    let intel = CPUFeatures(flags: ["avx512f"], vendor: "GenuineIntel"), unknown = CPUFeatures(flags: [])
    #expect(Float32Kernel.simd8.sweepsFewRowsAsOneBlock(on: amd))
    #expect(Float32Kernel.simd8.sweepsFewRowsAsOneBlock(on: intel))
    #expect(Float32Kernel.simd8.sweepsFewRowsAsOneBlock(on: unknown))
    #expect(Float32Kernel.avx512.sweepsFewRowsAsOneBlock(on: amd))
    #expect(!Float32Kernel.avx512.sweepsFewRowsAsOneBlock(on: intel))
    #expect(!Float32Kernel.avx512.sweepsFewRowsAsOneBlock(on: unknown))
  }
}
