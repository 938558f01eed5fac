/// Why a benchmark could not run.
enum BenchError: Error, Equatable, CustomStringConvertible {
  case badArgument(String)
  case referenceFailed(script: String, reason: String)
  /// `clip-worker` could not be started, or answered with an error or something unreadable.
  case workerFailed(reason: String)

  var description: String {
    switch self {
    case .badArgument(let argument): return "unexpected argument \(argument)"
    case .referenceFailed(let script, let reason): return "reference script \(script) failed: \(reason)"
    case .workerFailed(let reason): return "clip-worker failed: \(reason)"
    }
  }
}
