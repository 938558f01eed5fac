import Testing
import Kernels

/// Every kernel gives bit-identical results on 1 and 2 threads (and on more threads than work).
@Suite(.timeLimit(.minutes(5))) struct ThreadingTests {
  @Test func linearIsIndependentOfThreadCount() {
    var random = Random(40)
    // Most are large enough to be split (Gemm.parallelThreshold): by columns, by rows, with the wide kernel.
    for (m, n, k) in [(2, 2048, 600), (3, 96, 64), (50, 768, 64), (200, 40, 700), (77, 3, 20)] {
      let x = random.matrix(m, k), w = random.matrix(n, k)
      let layer = LinearWeights(weight: w.scalars, bias: random.floats(n), outFeatures: n, inFeatures: k)
      let results = [1, 2, 5].map { threads in
        KernelThreads.withCount(threads) { linear(x, layer, activation: .gelu) }
      }
      #expect(results[0] == results[1] && results[1] == results[2], "\(m)×\(k)·\(k)×\(n)")
    }
  }

  @Test func attentionAndLayerNormAreIndependentOfThreadCount() {
    var random = Random(41)
    let q = random.matrix(100, 128), k = random.matrix(100, 128), v = random.matrix(100, 128)
    let sequences = [0 ..< 50, 50 ..< 100]
    let one = KernelThreads.withCount(1) {
      attention(query: q, key: k, value: v, heads: 2, causal: true, sequences: sequences)
    }
    let two = KernelThreads.withCount(2) {
      attention(query: q, key: k, value: v, heads: 2, causal: true, sequences: sequences)
    }
    #expect(one == two)
    let x = random.matrix(600, 200), weight = random.floats(200), bias = random.floats(200)
    #expect(KernelThreads.withCount(1) { layerNorm(x, weight: weight, bias: bias, epsilon: 1e-5) }
            == KernelThreads.withCount(2) { layerNorm(x, weight: weight, bias: bias, epsilon: 1e-5) })
  }

  /// One caller at a time gets the worker pool; calls made meanwhile from other threads go to Dispatch. Both
  /// paths, racing, must give the single-thread result.
  @Test func concurrentCallersGetTheSingleThreadResult() async {
    var random = Random(42)
    let x = random.matrix(50, 256), w = random.matrix(512, 256)
    let layer = LinearWeights(weight: w.scalars, bias: random.floats(512), outFeatures: 512, inFeatures: 256)
    let expected = KernelThreads.withCount(1) { linear(x, layer, activation: .gelu) }
    let results = await withTaskGroup(of: [Matrix].self) { group in
      for _ in 0..<6 {
        group.addTask { KernelThreads.withCount(2) { (0..<20).map { _ in linear(x, layer, activation: .gelu) } } }
      }
      return await group.reduce(into: []) { $0 += $1 }
    }
    #expect(results.count == 120)
    #expect(results.allSatisfy { $0 == expected })
  }

  @Test func scopedCountOverridesOnlyInside() {
    let outside = KernelThreads.count
    KernelThreads.withCount(outside + 3) { #expect(KernelThreads.count == outside + 3) }
    #expect(KernelThreads.count == outside)
  }
}
