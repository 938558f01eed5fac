import Foundation
import Kernels

/// `clip-bench precision`: the rate of `linear` at bf16 and int8 against our own F32 on the model's shapes, each
/// shape's three layers called in turn (F32, bf16, int8, F32, ...) in one process, so that the shared machine's slow
/// phases fall on all three alike; medians. Also each precision's worst row cosine against F32 on those inputs.
///
/// `--fidelity` instead runs a chain of residual layers (`x + linear(x)` then a GELU MLP, `layers` times, as a
/// ViT's blocks) in each precision on random weights, plain and with a few large-magnitude input channels (as
/// trained ViTs have), and prints the lowest row cosine against F32 after each.
struct PrecisionBenchmark {
  var options: BenchOptions
  var fidelity = false
  var rows = [1, 2, 4, 8, 50, 257, 800]
  /// (N, K): fused QKV, attention out, MLP up, MLP down of a ViT-B (768 wide) layer.
  var layers = [(2304, 768), (768, 768), (3072, 768), (768, 3072)]

  init(arguments: [String]) throws {
    var rest: [String] = []
    for argument in arguments {
      if argument == "--fidelity" { fidelity = true } else { rest.append(argument) }
    }
    options = try BenchOptions(arguments: rest)
    if options.quick {
      rows = [1, 50, 800]
      layers = [(3072, 768), (768, 3072)]
    }
  }

  func run() throws {
    if fidelity { return runFidelity() }
    print("clip-bench precision: linear at f32, bf16, int8 (\(KernelThreads.count) threads; int8 kernel: "
          + "\(LinearPrecision.int8.kernelDescription)); medians of \(options.runs) rounds, \(options.clockName), "
          + "load \(loadAverage())")
    var ratios: [LinearPrecision: [Double]] = [:], avx2Ratios: [Double] = []
    // The AVX2 int8 kernel too, where the VNNI one is the default (the kernel of CPUs without VNNI).
    let avx2 = Int8Kernel.best == .vnni512 && Int8Kernel.available.contains(.avx2)
    print(tableRow(["M", "N", "K"], width: 6)
          + tableRow(["f32 GF/s", "bf16 GF/s", "int8 GOP/s", "bf16/f32", "int8/f32", "bf16 cos", "int8 cos"]
                     + (avx2 ? ["avx2 GOP/s", "avx2/f32"] : []), width: 11))
    for (n, k) in layers {
      var generator = SplitMix(seed: UInt64(n * 10_000 + k))
      let weight = generator.matrix(n, k).scalars
      let bias = generator.matrix(1, n).scalars
      let precisions: [LinearPrecision] = [.float32, .bfloat16, .int8]
      var packing: [String] = []
      let built = precisions.map { precision in
        let start = DispatchTime.now().uptimeNanoseconds
        let layer = LinearWeights(quantizing: weight, bias: bias, outFeatures: n, inFeatures: k, precision: precision)
        packing.append("\(precision.rawValue) \(format(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)) ms")
        return layer
      }
      print("packing \(n)×\(k) at load: \(packing.joined(separator: ", "))")
      for m in rows {
        let x = generator.matrix(m, k)
        var seconds = [[Double]](repeating: [], count: precisions.count + 1)
        for _ in 0..<options.runs {
          Thread.sleep(forTimeInterval: 0.05)
          for (index, layer) in built.enumerated() {
            seconds[index].append(options.secondsPerCall { _ = linear(x, layer, activation: .quickGELU) })
          }
          if avx2 {
            seconds[3].append(options.secondsPerCall {
              _ = linear(x, built[2], activation: .quickGELU, int8Kernel: .avx2)
            })
          }
        }
        let operations = 2 * Double(m) * Double(n) * Double(k)
        let rates = seconds.map { $0.isEmpty ? 0 : operations / median($0) / 1e9 }
        let exact = linear(x, built[0], activation: .quickGELU)
        let cosines = built.dropFirst().map { lowestRowCosine(linear(x, $0, activation: .quickGELU), exact) }
        for (index, precision) in precisions.enumerated().dropFirst() {
          ratios[precision, default: []].append(rates[index] / rates[0])
        }
        print(tableRow(["\(m)", "\(n)", "\(k)"], width: 6)
              + tableRow(rates.prefix(3).map { format($0) } + [format(rates[1] / rates[0], digits: 2),
                                                     format(rates[2] / rates[0], digits: 2)]
                         + cosines.map { format($0, digits: 6) }
                         + (avx2 ? [format(rates[3]), format(rates[3] / rates[0], digits: 2)] : []), width: 11))
        if avx2 { avx2Ratios.append(rates[3] / rates[0]) }
      }
    }
    for precision in [LinearPrecision.bfloat16, .int8] {
      print("geometric mean \(precision.rawValue)/f32: \(format(geometricMean(ratios[precision] ?? [1]), digits: 2))")
    }
    if avx2 { print("geometric mean int8 (avx2 kernel)/f32: \(format(geometricMean(avx2Ratios), digits: 2))") }
  }

  /// `layers` ViT-like blocks at width 768 on 50 tokens, each precision against F32.
  func runFidelity() {
    let (tokens, width, hidden, depth) = (50, 768, 3072, 12)
    for outliers in [false, true] {
      var generator = SplitMix(seed: outliers ? 2 : 1)
      // Weights scaled as a trained layer's (std ~ 1/sqrt(fan-in)), and an input whose rows are not all alike.
      func weights(_ n: Int, _ k: Int) -> [Float] {
        let scale = Float(1.7 / Double(k).squareRoot())
        return generator.matrix(n, k).scalars.map { $0 * scale }
      }
      var input = generator.matrix(tokens, width)
      // Outliers: 6 of 768 channels of every activation 30× larger (trained ViTs show such channels).
      let outlierChannels = outliers ? [3, 100, 222, 401, 512, 700] : []
      let blocks = (0..<depth).map { _ in
        (attention: weights(width, width), up: weights(hidden, width), down: weights(width, hidden))
      }
      for c in outlierChannels { for r in 0..<tokens { input[r, c] *= 30 } }
      /// The chain with each layer's precision chosen by `plan(block, layer)` (layer 0: attention-like, 1: MLP up,
      /// 2: MLP down).
      func chain(_ plan: (Int, Int) -> LinearPrecision) -> Matrix {
        var x = input
        for (index, block) in blocks.enumerated() {
          let attention = LinearWeights(quantizing: block.attention, bias: nil, outFeatures: width, inFeatures: width,
                                        precision: plan(index, 0))
          let up = LinearWeights(quantizing: block.up, bias: nil, outFeatures: hidden, inFeatures: width,
                                 precision: plan(index, 1))
          let down = LinearWeights(quantizing: block.down, bias: nil, outFeatures: width, inFeatures: hidden,
                                   precision: plan(index, 2))
          x = linear(normalized(x, outliers: outlierChannels), attention, adding: x)
          x = linear(linear(normalized(x, outliers: outlierChannels), up, activation: .gelu), down, adding: x)
        }
        return x
      }
      let exact = chain { _, _ in .float32 }
      print("fidelity, \(depth) blocks of 768/3072 on \(tokens) rows\(outliers ? ", 6 outlier channels ×30" : ""), "
            + "lowest row cosine vs f32:")
      let plans: [(String, (Int, Int) -> LinearPrecision)] = [
        ("bf16, every layer", { _, _ in .bfloat16 }),
        ("int8, every layer", { _, _ in .int8 }),
        ("int8, MLP down in f32", { _, layer in layer == 2 ? .float32 : .int8 }),
        ("int8, first and last block in f32", { block, _ in block == 0 || block == depth - 1 ? .float32 : .int8 }),
        ("int8, attention-like layers in f32", { _, layer in layer == 0 ? .float32 : .int8 }),
      ]
      for (name, plan) in plans {
        print("  \(name): \(format(lowestRowCosine(chain(plan), exact), digits: 7))")
      }
    }
  }

  /// Each row scaled to unit RMS (a layer norm without its affine part), the outlier channels then scaled by 30
  /// again, as a trained layer norm's weights keep them large.
  func normalized(_ x: Matrix, outliers: [Int]) -> Matrix {
    var out = x
    for r in 0..<x.rows {
      let row = x.row(r)
      let mean = row.reduce(0, +) / Float(x.columns)
      let rms = (row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(x.columns)).squareRoot()
      for c in 0..<x.columns { out[r, c] = (x[r, c] - mean) / max(rms, 1e-6) }
      for c in outliers { out[r, c] *= 30 }
    }
    return out
  }
}

/// The lowest cosine similarity between corresponding rows.
func lowestRowCosine(_ a: Matrix, _ b: Matrix) -> Double {
  var lowest = 1.0
  for r in 0..<a.rows {
    var dot = 0.0, aa = 0.0, bb = 0.0
    for (x, y) in zip(a.row(r), b.row(r)) {
      dot += Double(x) * Double(y)
      aa += Double(x) * Double(x)
      bb += Double(y) * Double(y)
    }
    lowest = min(lowest, dot / max((aa * bb).squareRoot(), .leastNormalMagnitude))
  }
  return lowest
}
