import KernelIntrinsics
import KernelIntrinsicsAVX2

/// How a linear layer's weights are held and multiplied, chosen at load time.
public enum LinearPrecision: String, Sendable, CaseIterable {
  /// Floats as the checkpoint has them (or its halves, widened exactly): the reference results.
  case float32 = "f32"
  /// Weights rounded to bfloat16 (to nearest, ties to even), half the memory; the products and sums stay F32.
  /// There is no bf16 dot-product kernel: Swift cannot reach AVX512_BF16's `vdpbf16ps` (its LLVM intrinsic
  /// takes `bfloat` vectors, which the `Builtin` module lacks), so the multiply widens the weights as it does an
  /// F16 checkpoint's and runs at about F32 speed. Activations are therefore not rounded.
  case bfloat16 = "bf16"
  /// Weights quantized at load to int8, symmetric per output channel; activations quantized per row at each
  /// call; `Int32` sums; the scales applied in the epilogue with the bias, activation and residual.
  case int8
}

/// Which int8 tile kernel runs. Chosen once per process (`best`); tests may ask for either.
package enum Int8Kernel: Sendable, Equatable {
  /// AVX-512 VNNI `vpdpbusd`, 8 rows × 32 columns (KernelIntrinsics).
  case vnni512
  /// AVX2 `vpmaddwd` on bytes widened to 16 bits (KernelIntrinsicsAVX2), for x86_64 CPUs without VNNI.
  case avx2
  /// Plain Swift, on any CPU: correct, several times slower than the F32 multiply.
  case portable

  /// The fastest kernel this build and CPU can run.
  package static let best: Int8Kernel = choose(vnniCompiled: Int8DotKernel.isCompiled,
                                               avx2Compiled: Int8DotKernelAVX2.isCompiled, features: .current)

  /// Every kernel this build and CPU can run, fastest first.
  package static let available: [Int8Kernel] = [Int8Kernel.vnni512, .avx2, .portable].filter { kernel in
    switch kernel {
    case .vnni512: Int8DotKernel.isCompiled && CPUFeatures.current.missing(CPUFeatures.vnni512Flags).isEmpty
    case .avx2: Int8DotKernelAVX2.isCompiled && CPUFeatures.current.flags.contains("avx2")
    case .portable: true
    }
  }

  /// The kernel for a build that has or lacks each compiled kernel, on a CPU with `features`.
  package static func choose(vnniCompiled: Bool, avx2Compiled: Bool, features: CPUFeatures) -> Int8Kernel {
    if vnniCompiled && features.missing(CPUFeatures.vnni512Flags).isEmpty { return .vnni512 }
    return avx2Compiled && features.flags.contains("avx2") ? .avx2 : .portable
  }
}

/// A precision that this machine can only run slowly, or not as asked.
public enum PrecisionError: Error, Equatable, CustomStringConvertible {
  /// The precision's fast kernel needs instruction-set extensions (`/proc/cpuinfo` names) this CPU lacks, or
  /// this build left it out (`CLIP_WORKER_PORTABLE=1`, another architecture).
  case notAccelerated(LinearPrecision, missing: [String])

  public var description: String {
    switch self {
    case .notAccelerated(let precision, let missing):
      let what = missing.isEmpty ? "this build has no fast kernel for it (portable or non-x86_64 build)"
        : "the CPU lacks \(missing.joined(separator: ", "))"
      return "precision \(precision.rawValue) has no fast kernel here: \(what)"
    }
  }
}

extension LinearPrecision {
  /// How this precision's layers are multiplied on this machine, for logs (`"int8: AVX-512 VNNI"`).
  public var kernelDescription: String {
    switch self {
    case .float32: "f32: packed FMA, \(Float32Kernel.best.vectorDescription)"
    case .bfloat16: "bf16: bf16 weights widened to F32, packed FMA, \(Float32Kernel.best.vectorDescription)"
    case .int8:
      switch Int8Kernel.best {
      case .vnni512: "int8: AVX-512 VNNI (vpdpbusd)"
      case .avx2: "int8: AVX2 (vpmaddwd)"
      case .portable: "int8: portable Swift"
      }
    }
  }

  /// Throws unless this precision runs at its intended speed here: for `.int8`, the VNNI kernel (built in and
  /// supported by the CPU). `.float32` and `.bfloat16` run everywhere. A caller that accepts a slower fallback need
  /// not call this (the AVX2 kernel, about the F32 multiply's speed with a quarter of its weight memory; the
  /// portable one, several times slower): every int8 kernel computes the same results.
  public func requireAcceleration() throws {
    guard self == .int8, Int8Kernel.best != .vnni512 else { return }
    let missing = Int8DotKernel.isCompiled ? CPUFeatures.current.missing(CPUFeatures.vnni512Flags) : []
    throw PrecisionError.notAccelerated(self, missing: missing)
  }
}
