import Dispatch
import Foundation
import Kernels

/// Options every benchmark takes: `--runs N` (medians of N alternating runs), `--threads N` (our
/// `KernelThreads.count`, and the reference's thread count), `--cpu-time` (process CPU time instead of wall
/// clock: with one thread, a view of the kernels that other load on the machine does not distort), `--quick`
/// (fewer shapes).
struct BenchOptions {
  var runs = 5
  var cpuTime = false
  var quick = false

  init(arguments: [String]) throws {
    var rest = arguments[...]
    while let argument = rest.popFirst() {
      switch argument {
      case "--runs", "--threads":
        guard let value = rest.popFirst().flatMap(Int.init), value > 0 else {
          throw BenchError.badArgument(argument)
        }
        if argument == "--runs" { runs = value } else { KernelThreads.count = value }
      case "--cpu-time":
        cpuTime = true
      case "--quick":
        quick = true
      default:
        throw BenchError.badArgument(argument)
      }
    }
  }

  var clockName: String { cpuTime ? "process CPU time" : "wall clock" }

  /// Seconds per call of `body`, repeated until 20 ms have passed (after one warm-up call).
  func secondsPerCall(_ body: () -> Void) -> Double {
    body()
    var repetitions = 1
    while true {
      let start = now()
      for _ in 0..<repetitions { body() }
      let elapsed = now() - start
      if elapsed >= 0.02 { return elapsed / Double(repetitions) }
      repetitions *= 2
    }
  }

  private func now() -> Double {
    if cpuTime {
      var time = timespec()
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
      return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
    return Double(DispatchTime.now().uptimeNanoseconds) / 1e9
  }

  /// Alternates our run and the reference's `runs` times and returns both medians. The reference's threads
  /// (OpenBLAS, OpenMP) spin for a while after each call and would take a core from ours: with a 0.1 s pause our
  /// 2-thread runs at M = 50..77 measured like 1 thread, so we pause half a second.
  func alternate(ours body: () -> Void, theirs: () throws -> Double) rethrows -> (ours: Double, theirs: Double) {
    var ours: [Double] = [], reference: [Double] = []
    for _ in 0..<runs {
      Thread.sleep(forTimeInterval: 0.5)
      ours.append(secondsPerCall(body))
      reference.append(try theirs())
    }
    return (median(ours), median(reference))
  }
}

func median(_ values: [Double]) -> Double {
  let sorted = values.sorted()
  let middle = sorted.count / 2
  return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// Right-aligned table cells.
func tableRow(_ cells: [String], width: Int = 8) -> String {
  cells.map { String(repeating: " ", count: max(0, width - $0.count)) + $0 }.joined()
}

func format(_ value: Double, digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }

/// The 1, 5 and 15 minute load averages, to print beside figures measured on a shared machine.
func loadAverage() -> String {
  var loads = [Double](repeating: 0, count: 3)
  return getloadavg(&loads, 3) == 3 ? loads.map { format($0, digits: 2) }.joined(separator: " ") : "unknown"
}

func geometricMean(_ values: [Double]) -> Double { exp(values.map { log($0) }.reduce(0, +) / Double(values.count)) }

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

  mutating func matrix(_ rows: Int, _ columns: Int) -> Matrix {
    Matrix(rows: rows, columns: columns, scalars: (0 ..< rows * columns).map { _ in nextFloat() })
  }
}
