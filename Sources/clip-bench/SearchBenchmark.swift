import Foundation
import Kernels
import Worker

/// `clip-bench search`: the time of one `search` query over a collection of random unit vectors, as the worker
/// computes it, for 1,000 to 1,000,000 entries of 512 dimensions (`--entries N` for one size), both ways:
/// plain F32 (every row's exact dot product, then `ranked` keeping the top 10) and through the int8 prefilter
/// (`SearchMatrix.search`: the int8 pass, then the candidates' exact dot products). Each run checks that both give
/// the same paths and score bits. Medians of `--runs` queries, the two ways alternating (and the prefilter on the
/// portable kernel too, when the fast one is VNNI).
/// Targets (issue 17): ≤ 1 ms over 10,000, ≤ 25 ms over 1,000,000, on 2 threads.
struct SearchBenchmark {
  let options: BenchOptions
  var sizes = [1_000, 4_000, 10_000, 100_000, 1_000_000]
  let dimension = 512
  let topK = 10

  init(arguments: [String]) throws {
    var rest: [String] = []
    var iterator = arguments.makeIterator()
    var sizes: [Int]?
    while let argument = iterator.next() {
      if argument == "--entries", let value = iterator.next().flatMap(Int.init), value > 0 {
        sizes = [value]
      } else {
        rest.append(argument)
      }
    }
    options = try BenchOptions(arguments: rest)
    if let sizes { self.sizes = sizes }
  }

  func run() throws {
    print("clip-bench search: \(dimension)-dim unit vectors, top \(topK), \(KernelThreads.count) threads, "
          + "int8 kernel: \(Int8SearchKernel.best.description), medians of \(options.runs) queries")
    for count in sizes {
      var generator = SplitMix(seed: UInt64(count))
      var scalars = generator.matrix(count, dimension).scalars
      for row in 0..<count {
        let range = row * dimension..<(row + 1) * dimension
        let norm = scalars[range].reduce(0) { $0 + $1 * $1 }.squareRoot()
        for index in range { scalars[index] /= norm }
      }
      let paths = (0..<count).map { "/photos/\($0).jpg" }
      let built = Date()
      let matrix = SearchMatrix(paths: paths, scalars: scalars, dimension: dimension, prefilter: true)
      let building = Date().timeIntervalSince(built)
      scalars = []
      var plain: [Double] = [], prefiltered: [Double] = [], scored: [Double] = [], portable: [Double] = []
      for run in 0..<max(options.runs, 1) {
        var query = generator.matrix(1, dimension).scalars
        let norm = query.reduce(0) { $0 + $1 * $1 }.squareRoot()
        query = query.map { $0 / norm }
        var start = DispatchTime.now().uptimeNanoseconds
        let expected = ranked(matrix.scores(query), topK: topK)
        plain.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        start = DispatchTime.now().uptimeNanoseconds
        let (best, rescored) = matrix.search(query, topK: topK)
        prefiltered.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        scored.append(Double(rescored))
        if Int8SearchKernel.best != .portable {
          start = DispatchTime.now().uptimeNanoseconds
          let slower = matrix.search(query, topK: topK, kernel: .portable).results
          portable.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
          precondition(slower.map(\.index) == expected.map(\.index), "search benchmark: the portable kernel differs")
        }
        precondition(expected.count == topK, "search benchmark: run \(run) kept \(expected.count)")
        precondition(best.map(\.index) == expected.map(\.index)
                     && best.map(\.score.bitPattern) == expected.map(\.score.bitPattern),
                     "search benchmark: run \(run): the prefiltered results differ from the plain ones")
      }
      let target = count <= 10_000 ? 1.0 : count >= 1_000_000 ? 25.0 : nil
      func verdict(_ time: Double) -> String {
        guard let target else { return "" }
        return String(format: " (target ≤ %.0f ms: %@)", target, time <= target ? "met" : "MISSED")
      }
      let (plainTime, filteredTime) = (median(plain), median(prefiltered))
      let used = count >= SearchMatrix.prefilterRows ? "prefiltered" : "plain"
      print(String(format: "  %9d entries: plain F32 %8.3f ms (min %.3f)%@", count, plainTime, plain.min()!,
                   verdict(plainTime)))
      print(String(format: "  %9@          prefiltered %8.3f ms (min %.3f)%@, %.0f rows rescored (median), "
                   + "%.2fx the plain time", "", filteredTime, prefiltered.min()!, verdict(filteredTime),
                   median(scored), plainTime / filteredTime))
      if !portable.isEmpty {
        print(String(format: "  %9@          prefiltered on the portable kernel %.3f ms%@", "", median(portable),
                     verdict(median(portable))))
      }
      print(String(format: "  %9@          the worker uses: %@ (from %d entries); built in %.2f s, %d bytes per entry",
                   "", used, SearchMatrix.prefilterRows, building, matrix.bytesPerEntry))
    }
  }
}
