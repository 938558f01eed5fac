import CLIP
import Dispatch
import Foundation
import Kernels
import Models
import SigLIP

/// `clip-bench embed`: end-to-end embedding times of `CLIPEngine` next to transformers' `CLIPModel` on the same
/// checkpoint (ViT-B/32-shaped by default) and the same inputs: images at batch 1 and 16 (pixel tensors, so
/// preprocessing is not in the figure), and 8 short labels in one call (tokenizer included on both sides).
/// Both sides run on the same number of threads (2 by default); rounds alternate which side goes first, and
/// medians are reported: wall clock, and process CPU time (all threads, spinning included), the steadier
/// figure when other processes load the machine. Also load time and peak resident memory against the
/// checkpoint's size on disk. A SigLIP 2 NaFlex checkpoint (`--naflex`: the full-size random base/16 one, written
/// on demand) is timed on images of several aspect ratios instead (EmbedBenchmark+NaFlex.swift).
struct EmbedBenchmark {
  var model = BenchCheckpoint.defaultDirectory
  var runs = 5
  var threads = 2
  /// Ours at this precision; the reference is always transformers' F32.
  var precision = LinearPrecision.float32
  let batches = [1, 16]
  /// NaFlex: the processors' `max_num_patches` (`--max-num-patches`; the checkpoint's, 256 for base/16, if not given).
  var maxNumPatches: Int?
  let labels = ["a photo of a cat", "a photo of a dog", "a diagram", "a red car on a street", "two people hiking",
                "a bowl of soup", "a city at night", "an astronaut"]

  init(arguments: [String]) throws {
    var arguments = arguments
    if let flag = arguments.firstIndex(of: "--naflex") {
      arguments.remove(at: flag)
      model = BenchCheckpoint.naflexDirectory
    }
    let values = try optionValues(arguments, allowed: ["--model", "--runs", "--threads", "--precision",
                                                       "--max-num-patches"])
    maxNumPatches = try positiveInteger(values, "--max-num-patches")
    if let name = values["--precision"] {
      guard let value = LinearPrecision(rawValue: name) else { throw BenchError.badArgument("--precision \(name): f32, int8 or bf16") }
      precision = value
    }
    if let path = values["--model"] { model = URL(fileURLWithPath: path, isDirectory: true) }
    runs = try positiveInteger(values, "--runs") ?? runs
    threads = try positiveInteger(values, "--threads") ?? threads
  }

  /// Prints the table; returns its figures for `clip-bench speed`.
  @discardableResult
  func run() throws -> [SpeedFigure] {
    try BenchCheckpoint.generateIfMissing(model)
    KernelThreads.count = threads
    let beforeLoad = ProcessMemory.residentBytes
    let loadStart = DispatchTime.now().uptimeNanoseconds
    let family = try ModelFamilies.load(directory: model, precision: precision)
    // As clip-worker does once a model is loaded.
    HeapPolicy.keepActivationMemory()
    let loadSeconds = Double(DispatchTime.now().uptimeNanoseconds - loadStart) / 1e9
    let afterLoadPeak = ProcessMemory.peakBytes
    if let naflex = family as? Siglip2Engine {
      return try runNaFlex(naflex, loadSeconds: loadSeconds, beforeLoad: beforeLoad, afterLoadPeak: afterLoadPeak)
    }
    let engine = try benchEngine(family)

    let size = engine.imageSize
    let largest = batches.max() ?? 1
    var generator = SplitMix(seed: 2024)
    let pixels = (0..<largest).map { _ in (0 ..< 3 * size * size).map { _ in generator.nextFloat() } }
    let pixelFile = FileManager.default.temporaryDirectory
      .appendingPathComponent("clip-bench-embed-\(ProcessInfo.processInfo.processIdentifier).f32")
    try writeFloats(pixels.flatMap { $0 }, to: pixelFile)
    defer { try? FileManager.default.removeItem(at: pixelFile) }

    let torch = try PythonReference(script: "embed.py", environment: ["CLIP_BENCH_THREADS": String(threads)])
    let loaded = try Reply(torch.ask("load \(model.path) \(pixelFile.path) \(largest)"), from: torch)
    let versions = (loaded.versions ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
    print("clip-bench embed: \(model.path), \(engine.familyName) \(precision.rawValue) (\(threads) threads) vs transformers F32 "
          + "(\(versions.joined(separator: ", ")), \(loaded.threads ?? 0) threads); medians of \(runs) rounds, "
          + "wall clock and process CPU time; load average \(loadAverage())")

    print(tableRow(["figure"], width: 22) + tableRow(["ours ms", "ref ms", "ratio", "target"], width: 10)
          + tableRow(["ours cpu ms", "ref cpu ms", "cpu ratio"], width: 12))
    var figures: [SpeedFigure] = []
    for batch in batches {
      let inputs = Array(pixels.prefix(batch))
      let (ours, theirs) = try alternate(ours: { _ = engine.imageEmbeddings(pixelTensors: inputs) },
                                         theirs: { try Reply(torch.ask("image \(batch)"), from: torch).timing() })
      let target = batch == 1 ? 2.0 : 1.3
      figures.append(printRow("image/img, batch \(batch)", ours, theirs, items: batch, target: target))
    }
    let labelsJSON = String(decoding: try JSONEncoder().encode(labels), as: UTF8.self)
    let (ours, theirs) = try alternate(ours: { _ = engine.textEmbeddings(labels) },
                                       theirs: { try Reply(torch.ask("text \(labelsJSON)"), from: torch).timing() })
    figures.append(printRow("text/label, \(labels.count) labels", ours, theirs, items: labels.count, target: 2))

    let checkpointBytes = try safetensorsBytes()
    let memory = try Reply(torch.ask("memory"), from: torch)
    let referenceLoad = format(loaded.loadSeconds ?? .nan, digits: 2)
    print("load: ours \(format(loadSeconds, digits: 2)) s, reference \(referenceLoad) s")
    print("checkpoint on disk: \(megabytes(checkpointBytes)) MB (safetensors)")
    let peak = ProcessMemory.peakBytes
    print("peak RSS, ours: \(megabytes(peak)) MB = \(format(Double(peak) / Double(checkpointBytes), digits: 2))x "
          + "the checkpoint (after load \(megabytes(afterLoadPeak)) MB; before load \(megabytes(beforeLoad)) MB; "
          + "target <= 1.3x)")
    let referencePeak = memory.peakBytes ?? 0
    print("peak RSS, reference: \(megabytes(referencePeak)) MB = "
          + "\(format(Double(referencePeak) / Double(checkpointBytes), digits: 2))x the checkpoint "
          + "(\(megabytes(memory.beforeLoadBytes ?? 0)) MB of it torch and transformers before loading)")
    let ratio = Double(peak) / Double(checkpointBytes)
    figures.append(SpeedFigure(name: "peak RSS / checkpoint (\(megabytes(checkpointBytes)) MB)",
                               ours: "\(megabytes(peak)) MB", reference: "\(megabytes(referencePeak)) MB",
                               ratio: ratio, target: "<= 1.3", met: ratio <= 1.3))
    return figures
  }

  /// Alternates `runs` rounds (ours first on even rounds, the reference first on odd ones) and returns the medians
  /// of each side's time per call. Each side's first call is an untimed warm-up. PyTorch's threads spin for a
  /// while after a call and would take a core from ours, so a pause comes before each of our runs.
  func alternate(ours body: () -> Void, theirs: () throws -> Timing) rethrows
    -> (ours: Timing, theirs: Timing)
  {
    body()
    var ours: [Timing] = [], reference: [Timing] = []
    for round in 0..<runs {
      if round % 2 == 1 { reference.append(try theirs()) }
      Thread.sleep(forTimeInterval: 0.5)
      ours.append(timePerCall(body))
      if round % 2 == 0 { reference.append(try theirs()) }
    }
    return (Timing(median: ours), Timing(median: reference))
  }

  /// Time per call, calling until 0.1 s of wall clock have passed (once at least), as embed.py does.
  func timePerCall(_ body: () -> Void) -> Timing {
    let start = DispatchTime.now().uptimeNanoseconds, startCPU = Timing.processCPUSeconds()
    var calls = 0
    while true {
      body()
      calls += 1
      let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      if elapsed >= 0.1 {
        return Timing(wall: elapsed / Double(calls), cpu: (Timing.processCPUSeconds() - startCPU) / Double(calls))
      }
    }
  }

  /// One table row; `ours` and `theirs` are per call, `items` images or labels per call.
  func printRow(_ figure: String, _ ours: Timing, _ theirs: Timing, items: Int, target: Double)
    -> SpeedFigure
  {
    let n = Double(items)
    print(tableRow([figure], width: 22)
          + tableRow([format(ours.wall / n * 1e3, digits: 2), format(theirs.wall / n * 1e3, digits: 2),
                      format(theirs.wall / ours.wall, digits: 2), ">= \(format(target, digits: 1))"], width: 10)
          + tableRow([format(ours.cpu / n * 1e3, digits: 2), format(theirs.cpu / n * 1e3, digits: 2),
                      format(theirs.cpu / ours.cpu, digits: 2)], width: 12))
    return .speedup(figure, ours: format(ours.wall / n * 1e3, digits: 2) + " ms",
                    reference: format(theirs.wall / n * 1e3, digits: 2) + " ms", ratio: theirs.wall / ours.wall,
                    atLeast: target)
  }

  private func safetensorsBytes() throws -> Int {
    try FileManager.default.contentsOfDirectory(at: model, includingPropertiesForKeys: [.fileSizeKey])
      .filter { $0.pathExtension == "safetensors" }
      .reduce(0) { $0 + (try $1.resourceValues(forKeys: [.fileSizeKey]).fileSize ?? 0) }
  }

  private func writeFloats(_ values: [Float], to url: URL) throws {
    // Little-endian float32, as embed.py reads it.
    var bytes = [UInt8]()
    bytes.reserveCapacity(values.count * 4)
    for value in values {
      let bits = value.bitPattern.littleEndian
      for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> shift)) }
    }
    try Data(bytes).write(to: url)
  }

  func megabytes(_ bytes: Int) -> String { format(Double(bytes) / 1e6, digits: 0) }

  /// One JSON line from embed.py.
  struct Reply: Decodable {
    var seconds: Double?
    var cpuSeconds: Double?
    var loadSeconds: Double?
    var threads: Int?
    var versions: [String: String]?
    var peakBytes: Int?
    var beforeLoadBytes: Int?
    var error: String?

    enum CodingKeys: String, CodingKey {
      case seconds, threads, versions, error
      case loadSeconds = "load_seconds", cpuSeconds = "cpu_seconds", peakBytes = "peak_bytes"
      case beforeLoadBytes = "before_load_bytes"
    }

    init(_ line: String, from reference: PythonReference) throws {
      do {
        self = try JSONDecoder().decode(Reply.self, from: Data(line.utf8))
      } catch {
        throw BenchError.referenceFailed(script: reference.script, reason: "unreadable reply \(line)")
      }
      if let error { throw BenchError.referenceFailed(script: reference.script, reason: error) }
      script = reference.script
    }

    private var script = ""

    /// The time per call of a timing reply.
    func timing() throws -> Timing {
      guard let seconds, let cpuSeconds else {
        throw BenchError.referenceFailed(script: script, reason: "a reply without seconds and cpu_seconds")
      }
      return Timing(wall: seconds, cpu: cpuSeconds)
    }
  }

  /// Seconds per call: wall clock and the process's CPU time.
  struct Timing {
    var wall: Double
    var cpu: Double

    init(wall: Double, cpu: Double) {
      self.wall = wall
      self.cpu = cpu
    }

    /// Medians of each figure separately.
    init(median timings: [Timing]) {
      self.init(wall: median(timings.map(\.wall)), cpu: median(timings.map(\.cpu)))
    }

    static func processCPUSeconds() -> Double {
      var time = timespec()
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
      return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
  }
}
