import KernelIntrinsics

/// Which F32 tile kernel the matrix multiply runs. Chosen once per process (`best`); tests may ask for either.
/// Both compute every output element as the same chain of fused multiply-adds in increasing k, so they give the
/// same floats: the choice is speed only.
package enum Float32Kernel: Sendable, Equatable {
  /// 16-float vectors, 6 rows × 32 columns (KernelIntrinsics' `Float32TileKernel`). Twice the work per
  /// instruction of `simd8`: on a core with two 512-bit FMA units (Intel Sapphire/Emerald Rapids) twice the
  /// multiply-adds a cycle; on Zen 4, which splits a 512-bit FMA in two, the same (measured there: a ViT-B/32
  /// image equal at batch 1, 5.5% faster at batch 16).
  case avx512
  /// 8-float vectors in Kernels itself (AVX2 + FMA on x86_64, NEON pairs on arm64): 6 rows × 16 columns, or
  /// 3 × 32 for matrices of at most 3 rows.
  case simd8

  /// What the AVX-512 kernel needs.
  package static let avx512Flags = ["avx512f"]

  /// The fastest kernel this build and CPU can run.
  package static let best: Float32Kernel = choose(avx512Compiled: Float32TileKernel.isCompiled, features: .current)

  /// Every kernel this build and CPU can run, fastest first.
  package static let available: [Float32Kernel] = best == .avx512 ? [.avx512, .simd8] : [.simd8]

  /// The kernel for a build that has or lacks the AVX-512 kernel, on a CPU with `features`.
  package static func choose(avx512Compiled: Bool, features: CPUFeatures) -> Float32Kernel {
    avx512Compiled && features.missing(avx512Flags).isEmpty ? .avx512 : .simd8
  }

  /// The vectors, for logs.
  package var vectorDescription: String {
    switch self {
    case .avx512: "AVX-512 (16-float vectors)"
    case .simd8: "8-float vectors"
    }
  }

  /// Whether `Gemm` sweeps a matrix of at most `Gemm.fewRows` rows as one row block (one column chunk per thread,
  /// prefetches into L1) rather than in row blocks, on a CPU with `features`. Both give the same floats; which is
  /// faster was measured by paired runs in one process on each test machine. The 8-float kernels: the one block.
  /// The AVX-512 kernel: the one block on AMD Zen 4 (a batch-1 ViT-B/32 image 4-5%, 8 labels 3-9% faster), row
  /// blocks on Intel Emerald Rapids (there the one block was 10-15% slower for a batch-1 image, 7-17% for SigLIP
  /// base/16); other Intel and AMD cores are assumed to follow their maker's.
  package func sweepsFewRowsAsOneBlock(on features: CPUFeatures) -> Bool {
    self == .simd8 || features.isAMD
  }

  /// Whether a tile of this kernel covers two adjacent full panels for a matrix of `rows` rows.
  @inline(__always)
  func takesPanelPairs(rows: Int) -> Bool { self == .avx512 || rows <= 3 }
}
