import Foundation
import Kernels
import Worker

/// `clip-bench search`: the time of one `search` query over a collection of random unit vectors, as the worker
/// computes it (`SearchMatrix.scores`, one packed matrix-vector product, then `ranked` keeping the top 10), for
/// 10,000 and 1,000,000 entries of 512 dimensions (`--entries N` for one size). Medians of `--runs` queries.
/// Targets (issue 17): ≤ 1 ms over 10,000, ≤ 25 ms over 1,000,000, on 2 threads.
struct SearchBenchmark {
  let options: BenchOptions
  var sizes = [10_000, 1_000_000]
  let dimension = 512

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
    print("clip-bench search: \(dimension)-dim unit vectors, top 10, \(KernelThreads.count) threads, "
          + "medians of \(options.runs) queries")
    for count in sizes {
      var generator = SplitMix(seed: UInt64(count))
      var scalars = generator.matrix(count, dimension).scalars
      for row in 0..<count {
        let range = row * dimension..<(row + 1) * dimension
        let norm = scalars[range].reduce(0) { $0 + $1 * $1 }.squareRoot()
        for index in range { scalars[index] /= norm }
      }
      let built = Date()
      let matrix = SearchMatrix(paths: (0..<count).map { "/photos/\($0).jpg" }, scalars: scalars, dimension: dimension)
      let packing = Date().timeIntervalSince(built)
      scalars = []
      var times: [Double] = []
      for run in 0..<max(options.runs, 1) {
        var query = generator.matrix(1, dimension).scalars
        let norm = query.reduce(0) { $0 + $1 * $1 }.squareRoot()
        query = query.map { $0 / norm }
        let start = DispatchTime.now().uptimeNanoseconds
        let best = ranked(matrix.scores(query), topK: 10)
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        precondition(best.count == 10, "search benchmark: run \(run) kept \(best.count)")
      }
      times.sort()
      let median = times[times.count / 2]
      let target = count <= 10_000 ? 1.0 : 25.0
      let verdict = median <= target ? "met" : "MISSED"
      print(String(format: "  %9d entries: %8.3f ms per query (min %.3f, max %.3f; ", count, median, times.first!,
                   times.last!) + String(format: "target ≤ %.0f ms: ", target) + verdict
            + String(format: "), packed in %.2f s", packing))
    }
  }
}
