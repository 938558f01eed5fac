import Foundation
import Kernels

/// `clip-bench attention`: our batched `attention(query:key:value:heads:causal:sequences:)` next to PyTorch's
/// `scaled_dot_product_attention` (as transformers' CLIP calls it) on the model's shapes: image towers
/// (50 tokens, 12 heads of 64, not causal) and text towers (77 tokens, 8 heads of 64, causal), alternately
/// measured, medians reported.
struct AttentionBenchmark {
  let options: BenchOptions
  var batches = [1, 8, 32]
  /// (tokens, heads, causal).
  let towers = [(50, 12, false), (77, 8, true)]
  let headDim = 64

  init(arguments: [String]) throws {
    options = try BenchOptions(arguments: arguments)
    if options.quick { batches = [1, 8] }
  }

  func run() throws {
    let threads = KernelThreads.count
    let torch = try PythonReference(script: "attention.py", environment: ["CLIP_BENCH_THREADS": String(threads)])
    let reference = try torch.ask("info")
    print("clip-bench attention: Swift (\(threads) threads) vs \(reference); "
          + "medians of \(options.runs), \(options.clockName)")
    print(tableRow(["batch", "tokens", "heads", "causal"]) + tableRow(["Swift ms", "torch ms", "speedup"], width: 10))
    for (tokens, heads, causal) in towers {
      for batch in batches {
        var generator = SplitMix(seed: UInt64(batch * 100 + tokens))
        let rows = batch * tokens, width = heads * headDim
        let q = generator.matrix(rows, width), k = generator.matrix(rows, width), v = generator.matrix(rows, width)
        let sequences = (0..<batch).map { $0 * tokens ..< ($0 + 1) * tokens }
        let request = "\(batch) \(tokens) \(heads) \(headDim) \(causal ? 1 : 0)\(options.cpuTime ? " cpu" : "")"
        let (ours, theirs) = try options.alternate(ours: {
          _ = attention(query: q, key: k, value: v, heads: heads, causal: causal, sequences: sequences)
        }, theirs: {
          guard let seconds = Double(try torch.ask(request)) else {
            throw BenchError.referenceFailed(script: torch.script, reason: "unreadable timing")
          }
          return seconds
        })
        print(tableRow(["\(batch)", "\(tokens)", "\(heads)", "\(causal)"])
              + tableRow([format(ours * 1e3, digits: 3), format(theirs * 1e3, digits: 3),
                          format(theirs / ours, digits: 2)], width: 10))
      }
    }
  }
}
