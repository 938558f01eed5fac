import Dispatch
import Foundation

/// `clip-bench classify`: zero-shot classification end to end, the release `clip-worker` (spoken to over stdio,
/// as a client would) next to transformers' `pipeline("zero-shot-image-classification")` (`reference/classify.py`),
/// on the same 640x480 JPEG files and the same 8 labels per call, both on 2 threads.
///
/// - "new labels": a fresh set of 8 label strings every call, so the worker embeds them every time;
/// - "cached labels": the same 8 labels every call (already embedded by the warm-up calls; the pipeline, having no
///   cache, does the same work in both modes).
/// Every call of both modes sends an image file the worker has not seen, so the image is always embedded (its cache
/// is keyed by the file's SHA-256); `cacheStats` at the end shows it. Ours is timed from writing the request to
/// reading the answer; the reference times `pipe(path, candidate_labels=labels)` in its own process.
/// Then startup: spawning `clip-worker` with a classify request already on its stdin, until the answer, against a
/// fresh Python process that imports transformers, builds the pipeline and answers one call.
struct ClassifyBenchmark {
  var model = BenchCheckpoint.defaultDirectory
  /// Calls per photo and mode.
  var runs = 5
  /// Spawns per side for the startup figure.
  var startupRuns = 3
  let threads = 2
  /// scikit-image photos (astronaut, chelsea, coffee, rocket), in the order classify.py writes them.
  let photos = 4
  let labels = ["a cat", "a dog", "an astronaut", "a cup of coffee", "a rocket", "a red car", "a bird", "a tree"]

  init(arguments: [String]) throws {
    let values = try optionValues(arguments, allowed: ["--model", "--runs", "--startup-runs"])
    if let path = values["--model"] { model = URL(fileURLWithPath: path, isDirectory: true) }
    runs = try positiveInteger(values, "--runs") ?? runs
    startupRuns = try positiveInteger(values, "--startup-runs") ?? startupRuns
  }

  /// Prints the tables; returns the per-call and startup figures for `clip-bench speed`.
  @discardableResult
  func run() throws -> [SpeedFigure] {
    try BenchCheckpoint.generateIfMissing(model)
    signal(SIGPIPE, SIG_IGN)
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("clip-bench-classify-\(ProcessInfo.processInfo.processIdentifier)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }

    var maxDifference = 0.0
    let (lastFile, figures) = try steadyState(directory: directory, maxDifference: &maxDifference)
    let startupFigure = try startup(file: lastFile, maxDifference: &maxDifference)
    print("max |score difference| ours vs reference over all calls: \(String(format: "%.3g", maxDifference)) "
          + "(expected < 1e-4)")
    return figures + [startupFigure]
  }

  /// The per-call figures, with one resident worker and one reference process (both ended on return, before the
  /// startup figure); returns the path of one photo for the startup runs, and the two modes' figures.
  private func steadyState(directory: URL, maxDifference: inout Double) throws -> (String, [SpeedFigure]) {
    let callsPerMode = runs * photos
    let reference = try PythonReference(script: "classify.py",
                                        arguments: ["serve", model.path, directory.path, String(1 + 2 * callsPerMode)],
                                        environment: ["CLIP_BENCH_THREADS": String(threads)])
    let hello = try decode(Hello.self, reference.readLine(), from: reference.script)
    let files = hello.files.map { directory.appendingPathComponent($0).path }
    let worker = try startWorker()
    let versions = hello.versions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
    print("clip-bench classify: \(model.path); clip-worker --threads \(threads) vs transformers zero-shot pipeline F32 "
          + "(\(versions.joined(separator: ", ")), \(hello.threads) threads); 640x480 JPEGs, \(labels.count) labels "
          + "per call, \(runs) calls per photo and mode; medians; load average \(loadAverage())")

    // Warm-up, untimed: loads the model in both and embeds the cached mode's labels in the worker. PyTorch's first
    // calls in a new process are several times slower than the steady ones (measured: 4.3 s, 0.30 s, then 0.15 s),
    // hence three.
    var identifier = 0
    for _ in 0..<3 {
      let warmUp = try (classify(worker, files[0], labels, id: &identifier), ask(reference, files[0], labels))
      maxDifference = max(maxDifference, difference(warmUp.0, warmUp.1.scores))
    }

    var rows: [[String]] = Array(repeating: [], count: photos + 1)
    var overall: [(ours: Double, theirs: Double)] = []
    var cpuLine: [String] = []
    for mode in ["new labels", "cached labels"] {
      var ours: [[Double]] = Array(repeating: [], count: photos), theirs = ours
      var ourCPU: Double? = 0, theirCPU = 0.0
      let first = 1 + (mode == "new labels" ? 0 : callsPerMode)
      for call in 0..<callsPerMode {
        let file = files[first + call]
        let callLabels = mode == "new labels" ? labels.map { "\($0) #\(first + call)" } : labels
        // PyTorch's threads spin for a while after a call and would take a core from ours, hence the pause;
        // odd calls put the reference first so that neither side always follows the other.
        let earlyAnswer = call % 2 == 1 ? try ask(reference, file, callLabels) : nil
        Thread.sleep(forTimeInterval: 0.3)
        let start = DispatchTime.now().uptimeNanoseconds, startCPU = cpuSeconds(of: worker)
        let scores = try classify(worker, file, callLabels, id: &identifier)
        ours[call % photos].append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        if let before = startCPU, let after = cpuSeconds(of: worker) { ourCPU? += after - before } else { ourCPU = nil }
        let answer = try earlyAnswer ?? ask(reference, file, callLabels)
        theirs[call % photos].append(answer.seconds)
        theirCPU += answer.cpuSeconds
        maxDifference = max(maxDifference, difference(scores, answer.scores))
      }
      for photo in 0..<photos {
        rows[photo].append(contentsOf: cells(median(ours[photo]), median(theirs[photo])))
      }
      let all = (ours: median(ours.flatMap { $0 }), theirs: median(theirs.flatMap { $0 }))
      rows[photos].append(contentsOf: cells(all.ours, all.theirs))
      overall.append(all)
      let calls = Double(callsPerMode)
      cpuLine.append("\(mode): ours " + (ourCPU.map { format($0 / calls * 1e3) + " ms" } ?? "n/a")
                     + ", reference \(format(theirCPU / calls * 1e3)) ms"
                     + (ourCPU.map { ", ratio \(format(theirCPU / $0, digits: 2))" } ?? ""))
    }
    print(tableRow(["photo"], width: 16) + tableRow(["new: ours ms", "ref ms", "ratio"], width: 13)
          + tableRow(["cached: ours ms", "ref ms", "ratio"], width: 16))
    for (index, row) in rows.enumerated() {
      let name = index < photos ? String(hello.files[1 + index].prefix { $0 != "-" }) : "all images"
      print(tableRow([name], width: 16) + tableRow(Array(row[0..<3]), width: 13)
            + tableRow(Array(row[3...]), width: 16))
    }
    print("ratio = reference / ours; targets: new labels >= 2.0 (got "
          + "\(format(overall[0].theirs / overall[0].ours, digits: 2))), cached labels >= 3.0 (got "
          + "\(format(overall[1].theirs / overall[1].ours, digits: 2)))")
    print("CPU time per call (means, all threads of each process; steadier than wall clock on a loaded machine): "
          + cpuLine.joined(separator: "; "))
    let stats = try decode(StatsReply.self, worker.ask(#"{"jsonrpc":"2.0","id":"stats","method":"cacheStats"}"#),
                           from: "clip-worker").result
    print("worker cache (timed calls all miss; the 2 hits are the warm-up's repeats): image hits "
          + "\(stats.image.hits), misses \(stats.image.misses); "
          + "text hits \(stats.text.hits), misses \(stats.text.misses)")
    let figures = zip(["classify, 8 new labels", "classify, labels cached"], [2.0, 3.0]).enumerated().map {
      index, mode in
      SpeedFigure.speedup(mode.0, ours: format(overall[index].ours * 1e3) + " ms",
                          reference: format(overall[index].theirs * 1e3) + " ms",
                          ratio: overall[index].theirs / overall[index].ours, atLeast: mode.1)
    }
    return (files[files.count - 1], figures)
  }

  /// The worker beside this executable, started on the benchmark's checkpoint and thread count.
  private func startWorker() throws -> PythonReference {
    let executable = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0]))
      .deletingLastPathComponent().appendingPathComponent("clip-worker")
    guard FileManager.default.isExecutableFile(atPath: executable.path) else {
      throw BenchError.workerFailed(reason: "no executable at \(executable.path); build it in the same configuration "
                                    + "(swift build -c release --product clip-worker)")
    }
    let arguments = ["--model", model.path, "--threads", String(threads), "--log-level", "warning", "--store", "none"]
    return try PythonReference(executable: executable, arguments: arguments, name: "clip-worker")
  }

  /// Startup to the first answer, `startupRuns` spawns per side, alternating which goes first.
  private func startup(file: String, maxDifference: inout Double) throws -> SpeedFigure {
    var ours: [Double] = [], theirs: [Double] = []
    var ourScores: [String: Double] = [:], theirScores: [String: Double] = [:]
    let labelsJSON = String(decoding: try JSONEncoder().encode(labels), as: UTF8.self)
    for round in 0..<startupRuns {
      for side in (round % 2 == 0 ? [0, 1] : [1, 0]) {
        Thread.sleep(forTimeInterval: 0.5)
        let start = DispatchTime.now().uptimeNanoseconds
        if side == 0 {
          var identifier = 0
          let worker = try startWorker()
          let scores = try classify(worker, file, labels, id: &identifier)
          ours.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
          ourScores = scores
        } else {
          let python = try PythonReference(script: "classify.py", arguments: ["once", model.path, file, labelsJSON],
                                           environment: ["CLIP_BENCH_THREADS": String(threads)])
          let answer = try decode(Once.self, python.readLine(), from: python.script)
          theirs.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
          theirScores = answer.scores
        }
      }
      maxDifference = max(maxDifference, difference(ourScores, theirScores))
    }
    print("start to first classify answer (\(startupRuns) spawns each, median): ours "
          + "\(format(median(ours), digits: 2)) s, reference (import transformers + pipeline + answer) "
          + "\(format(median(theirs), digits: 2)) s, ratio \(format(median(theirs) / median(ours), digits: 1)) "
          + "(target >= 10); ours \(ours.map { format($0, digits: 2) }), "
          + "reference \(theirs.map { format($0, digits: 2) })")
    return .speedup("start to first classify answer", ours: format(median(ours), digits: 2) + " s",
                    reference: format(median(theirs), digits: 2) + " s", ratio: median(theirs) / median(ours),
                    atLeast: 10)
  }

  /// One `classify` request to the worker, by path; the answer as label -> score.
  private func classify(_ worker: PythonReference, _ path: String, _ labels: [String], id: inout Int) throws
    -> [String: Double]
  {
    id += 1
    let request: [String: Any] = ["jsonrpc": "2.0", "id": id, "method": "classify",
                                  "params": ["image": ["path": path], "labels": labels]]
    let line = String(decoding: try JSONSerialization.data(withJSONObject: request), as: UTF8.self)
    let reply = try decode(ClassifyReply.self, worker.ask(line), from: "clip-worker")
    guard reply.id == id, let result = reply.result else {
      throw BenchError.workerFailed(reason: "request \(id) answered with \(reply.error?.message ?? "no result")")
    }
    return Dictionary(result.map { ($0.label, $0.score) }, uniquingKeysWith: { first, _ in first })
  }

  private func cpuSeconds(of child: PythonReference) -> Double? { child.cpuSeconds }

  private func ask(_ reference: PythonReference, _ path: String, _ labels: [String]) throws -> Answer {
    let request = String(decoding: try JSONEncoder().encode(Request(path: path, labels: labels)), as: UTF8.self)
    return try decode(Answer.self, reference.ask(request), from: reference.script)
  }

  /// The largest score difference of one call; infinity when the two sides did not return the same labels.
  private func difference(_ ours: [String: Double], _ theirs: [String: Double]) -> Double {
    guard Set(ours.keys) == Set(theirs.keys) else { return .infinity }
    return ours.map { abs($0.value - theirs[$0.key]!) }.max() ?? 0
  }

  private func cells(_ ours: Double, _ theirs: Double) -> [String] {
    [format(ours * 1e3, digits: 1), format(theirs * 1e3, digits: 1), format(theirs / ours, digits: 2)]
  }

  private func decode<Value: Decodable>(_ type: Value.Type, _ line: String, from name: String) throws -> Value {
    do {
      return try JSONDecoder().decode(Value.self, from: Data(line.utf8))
    } catch {
      throw name == "clip-worker" ? BenchError.workerFailed(reason: "unreadable answer \(line)")
        : BenchError.referenceFailed(script: name, reason: "unreadable reply \(line)")
    }
  }

  private struct Hello: Decodable {
    var files: [String]
    var versions: [String: String]
    var threads: Int
  }

  private struct Request: Encodable {
    var path: String
    var labels: [String]
  }

  private struct Answer: Decodable {
    var seconds: Double
    var cpuSeconds: Double
    var scores: [String: Double]

    enum CodingKeys: String, CodingKey { case seconds, scores, cpuSeconds = "cpu_seconds" }
  }

  private struct Once: Decodable { var scores: [String: Double] }

  private struct ClassifyReply: Decodable {
    struct Entry: Decodable { var label: String; var score: Double }
    struct Failure: Decodable { var code: Int; var message: String }
    var id: Int?
    var result: [Entry]?
    var error: Failure?
  }

  private struct StatsReply: Decodable {
    struct Counters: Decodable { var hits: Int; var misses: Int }
    struct Stats: Decodable { var image: Counters; var text: Counters }
    var result: Stats
  }
}
