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

extension PythonReference {
  /// The child's CPU time so far (user + system, all threads, 10 ms ticks) from /proc; nil where there is none.
  var cpuSeconds: Double? {
    #if os(Linux)
    guard let stat = try? String(contentsOfFile: "/proc/\(processIdentifier)/stat", encoding: .utf8),
          let end = stat.lastIndex(of: ")") else { return nil }
    // After the command name: field 3 (state) onwards; utime and stime are fields 14 and 15.
    let fields = stat[stat.index(after: end)...].split(separator: " ")
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    #else
    return nil
    #endif
  }
}
