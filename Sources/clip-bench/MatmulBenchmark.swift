import Dispatch
import Foundation
import Kernels

/// `clip-bench matmul`: GFLOPS of `linear` (x · Wᵀ, no bias) on the CLIP model shapes next to NumPy's
/// `x @ W.T` on OpenBLAS, measured alternately (ours, theirs, ours, ...) and reported as medians.
///
/// NumPy runs with `OPENBLAS_NUM_THREADS` equal to our thread count and without `OPENBLAS_CORETYPE` /
/// `OPENBLAS_L2_SIZE`, so OpenBLAS picks its own kernels for this CPU.
struct MatmulBenchmark {
  var runs = 5
  var rows = [1, 6, 50, 77, 400, 1600]
  /// (N, K) = (outFeatures, inFeatures) of the ViT-B/32 and text-encoder layers: fused QKV, attention out,
  /// MLP up and down, and the projections.
  var layers = [(2304, 768), (768, 768), (3072, 768), (768, 3072), (512, 512), (2048, 512), (512, 2048), (512, 768)]

  init(arguments: [String]) throws {
    var rest = arguments[...]
    while let argument = rest.popFirst() {
      switch argument {
      case "--runs":
        guard let value = rest.popFirst().flatMap(Int.init), value > 0 else { throw BenchError.badArgument("--runs") }
        runs = value
      case "--threads":
        guard let value = rest.popFirst().flatMap(Int.init), value > 0 else { throw BenchError.badArgument("--threads") }
        KernelThreads.count = value
      case "--quick":
        rows = [1, 50, 400]
        layers = [(2304, 768), (768, 3072), (512, 512)]
      default:
        throw BenchError.badArgument(argument)
      }
    }
  }

  func run() throws {
    let threads = KernelThreads.count
    let numpy = try PythonReference(script: "matmul.py", environment: [
      "OPENBLAS_NUM_THREADS": String(threads), "OPENBLAS_CORETYPE": nil, "OPENBLAS_L2_SIZE": nil,
    ])
    print("clip-bench matmul: Swift linear (\(threads) threads) vs \(try numpy.ask("info")); medians of \(runs)")
    print(pad("M", 6) + pad("N", 6) + pad("K", 6) + pad("Swift GF/s", 12) + pad("NumPy GF/s", 12) + pad("ratio", 8))
    var ratios: [Double] = []
    for (n, k) in layers {
      var generator = SplitMix(seed: UInt64(n * 10_000 + k))
      let weight = (0 ..< n * k).map { _ in generator.nextFloat() }
      let layer = LinearWeights(weight: weight, bias: nil, outFeatures: n, inFeatures: k)
      for m in rows {
        let x = Matrix(rows: m, columns: k, scalars: (0 ..< m * k).map { _ in generator.nextFloat() })
        var ours: [Double] = [], theirs: [Double] = []
        for _ in 0..<runs {
          // OpenBLAS's threads spin for a while after each call; let them go to sleep before we measure.
          Thread.sleep(forTimeInterval: 0.1)
          ours.append(secondsPerCall { _ = linear(x, layer) })
          guard let seconds = Double(try numpy.ask("\(m) \(n) \(k)")) else {
            throw BenchError.referenceFailed(script: numpy.script, reason: "unreadable timing")
          }
          theirs.append(seconds)
        }
        let flops = 2 * Double(m) * Double(n) * Double(k)
        let swiftRate = flops / median(ours) / 1e9, numpyRate = flops / median(theirs) / 1e9
        ratios.append(swiftRate / numpyRate)
        print(pad("\(m)", 6) + pad("\(n)", 6) + pad("\(k)", 6) + pad(format(swiftRate), 12)
              + pad(format(numpyRate), 12) + pad(format(swiftRate / numpyRate, digits: 2), 8))
      }
    }
    print("geometric mean ratio: \(format(exp(ratios.map { log($0) }.reduce(0, +) / Double(ratios.count)), digits: 3))")
  }

  /// Seconds per call of `body`, repeated until 20 ms have passed (after one warm-up call).
  private func secondsPerCall(_ body: () -> Void) -> Double {
    body()
    var repetitions = 1
    while true {
      let start = DispatchTime.now().uptimeNanoseconds
      for _ in 0..<repetitions { body() }
      let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      if elapsed >= 0.02 { return elapsed / Double(repetitions) }
      repetitions *= 2
    }
  }
}

private func median(_ values: [Double]) -> Double {
  let sorted = values.sorted()
  return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

private func pad(_ text: String, _ width: Int) -> String {
  String(repeating: " ", count: max(0, width - text.count)) + text
}

private func format(_ value: Double, digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }

/// A small deterministic generator for benchmark inputs (values in [-1, 1)).
struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func nextFloat() -> Float {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    return Float(z >> 40) / Float(1 << 23) - 1
  }
}
