import Foundation
import Kernels

/// `clip-bench matmul`: GFLOPS of `linear` (x · Wᵀ, no bias) on the CLIP model shapes next to NumPy's
/// `x @ W.T` on OpenBLAS, measured alternately (ours, theirs, ours, ...) and reported as medians.
///
/// NumPy runs with `OPENBLAS_NUM_THREADS` equal to our thread count and without `OPENBLAS_CORETYPE` /
/// `OPENBLAS_L2_SIZE`, so OpenBLAS picks its own kernels for this CPU.
struct MatmulBenchmark {
  let options: BenchOptions
  var rows = [1, 6, 50, 77, 400, 1600]
  /// (N, K) = (outFeatures, inFeatures) of the ViT-B/32 and text-encoder layers: fused QKV, attention out,
  /// MLP up and down, and the projections.
  var layers = [(2304, 768), (768, 768), (3072, 768), (768, 3072), (512, 512), (2048, 512), (512, 2048), (512, 768)]

  init(arguments: [String]) throws {
    options = try BenchOptions(arguments: arguments)
    if options.quick {
      rows = [1, 50, 1600]
      layers = [(3072, 768), (768, 3072), (512, 512)]
    }
  }

  /// Prints the table; returns the lowest ratios at M >= 50 and below, for `clip-bench speed`.
  @discardableResult
  func run() throws -> [SpeedFigure] {
    let threads = KernelThreads.count
    let numpy = try PythonReference(script: "matmul.py", environment: [
      "OPENBLAS_NUM_THREADS": String(threads), "OPENBLAS_CORETYPE": nil, "OPENBLAS_L2_SIZE": nil,
    ])
    let reference = try numpy.ask("info")
    print("clip-bench matmul: Swift linear (\(threads) threads) vs \(reference); "
          + "medians of \(options.runs), \(options.clockName)")
    print(tableRow(["M", "N", "K"], width: 6) + tableRow(["Swift GF/s", "NumPy GF/s", "ratio"], width: 12))
    var ratios: [Double] = []
    // The lowest ratio at M >= 50 and below, with its rates.
    var lowest: [Bool: (ratio: Double, ours: Double, theirs: Double, shape: String)] = [:]
    for (n, k) in layers {
      var generator = SplitMix(seed: UInt64(n * 10_000 + k))
      let weight = generator.matrix(n, k).scalars
      let layer = LinearWeights(weight: weight, bias: nil, outFeatures: n, inFeatures: k)
      for m in rows {
        let x = generator.matrix(m, k)
        let request = "\(m) \(n) \(k)\(options.cpuTime ? " cpu" : "")"
        let (ours, theirs) = try options.alternate(ours: { _ = linear(x, layer) }, theirs: {
          guard let seconds = Double(try numpy.ask(request)) else {
            throw BenchError.referenceFailed(script: numpy.script, reason: "unreadable timing")
          }
          return seconds
        })
        let flops = 2 * Double(m) * Double(n) * Double(k)
        let swiftRate = flops / ours / 1e9, numpyRate = flops / theirs / 1e9
        ratios.append(swiftRate / numpyRate)
        if swiftRate / numpyRate < lowest[m >= 50]?.ratio ?? .infinity {
          lowest[m >= 50] = (swiftRate / numpyRate, swiftRate, numpyRate, "\(m)x\(n)x\(k)")
        }
        print(tableRow(["\(m)", "\(n)", "\(k)"], width: 6)
              + tableRow([format(swiftRate), format(numpyRate), format(swiftRate / numpyRate, digits: 2)], width: 12))
      }
    }
    print("geometric mean ratio: \(format(geometricMean(ratios), digits: 3))")
    return [true, false].compactMap { large in
      lowest[large].map { row in
        .speedup("linear, lowest of M \(large ? ">= 50" : "< 50") (\(row.shape))", ours: format(row.ours) + " GF/s",
                 reference: format(row.theirs) + " GF/s", ratio: row.ratio, atLeast: 0.9)
      }
    }
  }
}
