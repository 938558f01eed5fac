import Foundation

/// The `clip-worker` built beside this `clip-bench` (same configuration), started on `model` with `store` (a
/// directory or `none`), 2 threads, logging warnings only, as a child spoken to one line at a time.
func startBenchWorker(model: URL, store: String) throws -> PythonReference {
  let executable = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0]))
    .deletingLastPathComponent().appendingPathComponent("clip-worker")
  guard FileManager.default.isExecutableFile(atPath: executable.path) else {
    throw BenchError.workerFailed(reason: "no executable at \(executable.path); build it in the same configuration "
                                  + "(swift build -c release --product clip-worker)")
  }
  return try PythonReference(
    executable: executable,
    arguments: ["--model", model.path, "--store", store, "--threads", "2", "--log-level", "warning"], name: "clip-worker")
}
