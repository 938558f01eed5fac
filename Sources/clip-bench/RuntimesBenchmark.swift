import Dispatch
import Foundation
import Kernels

/// `clip-bench runtimes`: our engine at F32, int8 and bf16 next to the runtimes people deploy (issue 14): PyTorch
/// (transformers, F32), ONNX Runtime F32 and int8 (`quantize_dynamic`, QInt8 weights) and OpenVINO F32, all on the
/// same checkpoint's towers (exported once by reference/runtimes.py into `.bench/exports/NAME`), the same pixel
/// tensors and texts, 2 threads each. In one run: per-image times at batch 1 and 16 and per-label times of 8 labels
/// (rounds rotate which side goes first; medians), the lowest cosine of every run against PyTorch F32 over the
/// benchmark images and 64 varied texts, the top labels of int8 and bf16 against F32, and the peak RSS of ours at
/// each precision (each measured in a child process of its own), then the targets, met or not.
struct RuntimesBenchmark {
  var model = BenchCheckpoint.defaultDirectory
  var runs = 3
  var threads = 2
  var batches = [1, 16]
  /// Set in the child that measures one precision's peak RSS (`--memory-child f32|int8|bf16`).
  var memoryChild: LinearPrecision?
  static let references = ["torch", "ort-f32", "ort-int8", "ov-f32"]
  static let precisions: [LinearPrecision] = [.float32, .int8, .bfloat16]

  init(arguments: [String]) throws {
    let values = try optionValues(arguments, allowed: ["--model", "--runs", "--threads", "--batches",
                                                       "--memory-child"])
    if let path = values["--model"] { model = URL(fileURLWithPath: path, isDirectory: true) }
    runs = try positiveInteger(values, "--runs") ?? runs
    threads = try positiveInteger(values, "--threads") ?? threads
    if let list = values["--batches"] {
      batches = try list.split(separator: ",").map {
        guard let batch = Int($0), batch > 0, batch <= 16 else { throw BenchError.badArgument("--batches \(list)") }
        return batch
      }
    }
    if let name = values["--memory-child"] {
      guard let precision = LinearPrecision(rawValue: name) else { throw BenchError.badArgument("--memory-child \(name)") }
      memoryChild = precision
    }
  }

  func run() throws {
    KernelThreads.count = threads
    if let memoryChild { return try measureMemory(memoryChild) }
    try BenchCheckpoint.generateIfMissing(model)
    let exports = BenchCheckpoint.packageRoot.appendingPathComponent(".bench/exports/\(model.lastPathComponent)")
    try export(to: exports)

    // The peak RSS of each precision first, while nothing else of ours is loaded.
    var peaks: [LinearPrecision: Int] = [:]
    for precision in Self.precisions { peaks[precision] = try childPeak(precision) }

    var sides: [Side] = []
    for precision in Self.precisions {
      sides.append(Side(name: "ours \(precision.rawValue)", engine: try benchEngine(directory: model, precision: precision)))
    }
    HeapPolicy.keepActivationMemory()
    let size = sides[0].engine!.imageSize
    var generator = SplitMix(seed: 2024)
    let pixels = (0..<16).map { _ in (0 ..< 3 * size * size).map { _ in generator.nextFloat() } }
    let pixelFile = FileManager.default.temporaryDirectory
      .appendingPathComponent("clip-bench-runtimes-\(ProcessInfo.processInfo.processIdentifier).f32")
    try Data(pixels.flatMap { $0 }.flatMap { value in
      withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) }
    }).write(to: pixelFile)
    defer { try? FileManager.default.removeItem(at: pixelFile) }

    var versions: [String] = []
    for name in Self.references {
      let child = try PythonReference(script: "runtimes.py", arguments: ["serve", name],
                                      environment: ["CLIP_BENCH_THREADS": String(threads)])
      let loaded = try child.reply("load \(model.path) \(exports.path) \(pixelFile.path) \(pixels.count)")
      versions += ((loaded["versions"] as? [String: String]) ?? [:]).map { "\($0.key) \($0.value)" }
      sides.append(Side(name: name, child: child))
    }
    print("clip-bench runtimes: \(model.path), \(sides[0].engine!.familyName), \(threads) threads each "
          + "(\(Set(versions).sorted().joined(separator: ", "))); medians of \(runs) rounds, rotating which side goes "
          + "first, wall clock; load average \(loadAverage())")

    // Times, per image or per label.
    let labelsJSON = String(decoding: try JSONEncoder().encode(Self.labels), as: UTF8.self)
    var figures: [(name: String, seconds: [Double])] = []
    for batch in batches {
      let inputs = Array(pixels.prefix(batch))
      let seconds = try time(sides, ours: { _ = $0.imageEmbeddings(pixelTensors: inputs) }, theirs: "image \(batch)")
      figures.append(("image b\(batch) ms/img", seconds.map { $0 / Double(batch) }))
    }
    let textSeconds = try time(sides, ours: { _ = $0.textEmbeddings(Self.labels) }, theirs: "text \(labelsJSON)")
    figures.append(("text 8 labels ms/label", textSeconds.map { $0 / Double(Self.labels.count) }))

    let width = 11
    print(tableRow(["figure"], width: 24) + tableRow(sides.map(\.name), width: width))
    for figure in figures {
      print(tableRow([figure.name], width: 24) + tableRow(figure.seconds.map { format($0 * 1e3, digits: 2) }, width: width))
    }
    print("ratios, reference time / ours (higher: ours faster):")
    for (index, side) in sides.enumerated() where side.engine != nil {
      print(tableRow(["vs " + side.name], width: 24)
            + tableRow(sides.map { $0.engine == nil ? $0.name : "" }.filter { !$0.isEmpty }, width: width))
      for figure in figures {
        let ratios = sides.indices.filter { sides[$0].engine == nil }.map { figure.seconds[$0] / figure.seconds[index] }
        print(tableRow(["  " + figure.name], width: 24) + tableRow(ratios.map { format($0, digits: 2) }, width: width))
      }
    }

    // Fidelity against PyTorch F32.
    let textsJSON = String(decoding: try JSONEncoder().encode(Self.fidelityTexts), as: UTF8.self)
    var imageEmbeddings: [[[Float]]] = [], textEmbeddings: [[[Float]]] = []
    for side in sides {
      if let engine = side.engine {
        imageEmbeddings.append(stride(from: 0, to: pixels.count, by: 16).flatMap {
          engine.imageEmbeddings(pixelTensors: Array(pixels[$0 ..< min($0 + 16, pixels.count)]))
        })
        textEmbeddings.append(engine.textEmbeddings(Self.fidelityTexts))
      } else {
        imageEmbeddings.append(try side.child!.embeddings("embed-images"))
        textEmbeddings.append(try side.child!.embeddings("embed-texts \(textsJSON)"))
      }
    }
    let torchIndex = sides.firstIndex { $0.name == "torch" }!
    let f32Index = 0
    print("fidelity: lowest cosine against PyTorch F32 (\(pixels.count) images, \(Self.fidelityTexts.count) texts); "
          + "and against ours F32")
    print(tableRow(["run"], width: 24) + tableRow(["images", "texts", "vs ours img", "vs ours txt"], width: 13))
    var lowest: [String: Double] = [:], lowestVsOurs: [String: Double] = [:]
    for (index, side) in sides.enumerated() where index != torchIndex {
      let image = lowestCosine(imageEmbeddings[index], imageEmbeddings[torchIndex])
      let text = lowestCosine(textEmbeddings[index], textEmbeddings[torchIndex])
      let oursImage = lowestCosine(imageEmbeddings[index], imageEmbeddings[f32Index])
      let oursText = lowestCosine(textEmbeddings[index], textEmbeddings[f32Index])
      lowest[side.name] = min(image, text)
      lowestVsOurs[side.name] = min(oursImage, oursText)
      print(tableRow([side.name], width: 24)
            + tableRow([image, text, oursImage, oursText].map { format($0, digits: 7) }, width: 13))
    }

    // Top labels: each image's best label among the 8 and among the 64 texts, int8 and bf16 against F32.
    let labelEmbeddings = sides.prefix(Self.precisions.count).map { $0.engine!.textEmbeddings(Self.labels) }
    var agreement: [LinearPrecision: (same: Int, of: Int)] = [:]
    for (index, precision) in Self.precisions.enumerated() where precision != .float32 {
      var same = 0, total = 0, widestMissed = 0.0
      for labels in [(labelEmbeddings[index], labelEmbeddings[0]), (textEmbeddings[index], textEmbeddings[0])] {
        for image in 0..<pixels.count {
          total += 1
          if topLabel(imageEmbeddings[index][image], labels.0) == topLabel(imageEmbeddings[0][image], labels.1) {
            same += 1
          } else {
            widestMissed = max(widestMissed, topMargin(imageEmbeddings[0][image], labels.1))
          }
        }
      }
      agreement[precision] = (same, total)
      print("top label of \(precision.rawValue) = F32's: \(same) of \(total) (\(pixels.count) images x "
            + "(the 8 labels, the \(Self.fidelityTexts.count) texts))"
            + (same < total ? "; the widest F32 cosine gap between first and second label among the misses: "
               + format(widestMissed, digits: 6) : ""))
    }
    let f32Peak = Double(peaks[.float32]!)
    print("peak RSS of ours (a child process each: load, batch 16, 8 labels): "
          + Self.precisions.map { "\($0.rawValue) \(peaks[$0]! / 1_000_000) MB" }.joined(separator: ", ")
          + "; int8/f32 \(format(Double(peaks[.int8]!) / f32Peak, digits: 3)), "
          + "bf16/f32 \(format(Double(peaks[.bfloat16]!) / f32Peak, digits: 3))")

    // The targets.
    func seconds(_ figure: Int, _ side: String) -> Double { figures[figure].seconds[sides.firstIndex { $0.name == side }!] }
    var targets: [SpeedFigure] = []
    for (index, figure) in figures.enumerated() {
      let ratio = { (reference: String, ours: String) in seconds(index, reference) / seconds(index, ours) }
      targets.append(speedup("int8 \(figure.name) vs ORT int8", ours: "", reference: "",
                              ratio: ratio("ort-int8", "ours int8"), atLeast: 1.3))
      if figure.name.hasPrefix("image") {
        targets.append(speedup("bf16 \(figure.name) vs ours f32", ours: "", reference: "",
                                ratio: ratio("ours f32", "ours bf16"), atLeast: 1.7))
      }
      if figure.name.hasPrefix("image b1 ") {
        targets.append(speedup("f32 \(figure.name) vs OpenVINO F32", ours: "", reference: "",
                                ratio: ratio("ov-f32", "ours f32"), atLeast: 1.15))
        targets.append(speedup("f32 \(figure.name) vs ORT F32", ours: "", reference: "",
                                ratio: ratio("ort-f32", "ours f32"), atLeast: 1.15))
        targets.append(speedup("f32 \(figure.name) vs PyTorch (SigLIP: issue 15)", ours: "", reference: "",
                                ratio: ratio("torch", "ours f32"), atLeast: 1.5))
      }
    }
    let int8Lowest = lowest["ours int8"]!, ortLowest = lowest["ort-int8"]!
    targets.append(SpeedFigure(name: "int8 lowest cosine vs PyTorch F32", ours: "", reference: "", ratio: int8Lowest,
                               target: ">= max(0.9995, ORT int8 \(format(ortLowest, digits: 6)))",
                               met: int8Lowest >= max(0.9995, ortLowest)))
    targets.append(SpeedFigure(name: "int8 top label = F32's", ours: "", reference: "",
                               ratio: Double(agreement[.int8]!.same) / Double(agreement[.int8]!.of),
                               target: "1 (every case)", met: agreement[.int8]!.same == agreement[.int8]!.of))
    targets.append(SpeedFigure(name: "bf16 lowest cosine vs ours F32", ours: "", reference: "",
                               ratio: lowestVsOurs["ours bf16"]!, target: ">= 0.99995",
                               met: lowestVsOurs["ours bf16"]! >= 0.99995))
    for (precision, bound) in [(LinearPrecision.int8, 0.35), (.bfloat16, 0.55)] {
      let ratio = Double(peaks[precision]!) / f32Peak
      targets.append(SpeedFigure(name: "\(precision.rawValue) peak RSS / ours F32", ours: "", reference: "", ratio: ratio,
                                 target: "<= \(bound)", met: ratio <= bound))
    }
    print("targets (issue 14; the PyTorch b1 one is issue 15's, for SigLIP):")
    let nameWidth = targets.map(\.name.count).max() ?? 0
    for target in targets {
      print(target.name + String(repeating: " ", count: nameWidth - target.name.count)
            + tableRow([format(target.ratio, digits: target.ratio < 0.99 || target.ratio > 1.5 ? 3 : 6)], width: 12)
            + "   " + tableRow([target.met ? "met" : "NOT met"], width: 7) + "   target " + target.target)
    }
    for side in sides { _ = try? side.child?.ask("quit") }
  }

  /// One side of the comparison: one of our engines, or a reference child.
  struct Side {
    var name: String
    var engine: (any BenchEngine)?
    var child: PythonReference?
  }

  /// Median seconds per call of every side, `runs` rounds, the first side of each round rotating; one untimed
  /// warm-up call each first (the reference scripts warm themselves). A pause before every run: PyTorch's and
  /// ORT's threads spin for a while after a call.
  private func time(_ sides: [Side], ours: (any BenchEngine) -> Void, theirs request: String) throws -> [Double] {
    for side in sides { if let engine = side.engine { ours(engine) } }
    var samples = [[Double]](repeating: [], count: sides.count)
    for round in 0..<runs {
      for offset in 0..<sides.count {
        let index = (round + offset) % sides.count
        Thread.sleep(forTimeInterval: 0.5)
        if let engine = sides[index].engine {
          samples[index].append(secondsPerCall { ours(engine) })
        } else {
          let reply = try sides[index].child!.reply(request)
          guard let seconds = reply["seconds"] as? Double else {
            throw BenchError.referenceFailed(script: sides[index].name, reason: "no seconds in its reply")
          }
          samples[index].append(seconds)
        }
      }
    }
    return samples.map(median)
  }

  /// Calls until 0.1 s have passed (once at least), as the reference scripts do.
  private func secondsPerCall(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    var calls = 0
    while true {
      body()
      calls += 1
      let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      if elapsed >= 0.1 { return elapsed / Double(calls) }
    }
  }

  /// Runs reference/runtimes.py's export (it skips the work when the exports match the checkpoint).
  private func export(to directory: URL) throws {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("reference/runtimes.py")
    let process = Process()
    let output = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", script.path, "export", model.path, directory.path]
    process.standardOutput = output
    var environment = ProcessInfo.processInfo.environment
    environment["CLIP_BENCH_THREADS"] = String(threads)
    process.environment = environment
    try process.run()
    let reply = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw BenchError.referenceFailed(script: "runtimes.py export", reason: "exit status \(process.terminationStatus)")
    }
    if reply.contains("\"exported\": true") {
      FileHandle.standardError.write(Data("clip-bench runtimes: exported \(directory.path): \(reply)".utf8))
    }
  }

  /// Starts this executable as `runtimes --memory-child PRECISION` and returns the peak RSS it reports.
  private func childPeak(_ precision: LinearPrecision) throws -> Int {
    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
    let child = try PythonReference(executable: executable,
                                    arguments: ["runtimes", "--model", model.path, "--threads", String(threads),
                                                "--memory-child", precision.rawValue],
                                    name: "clip-bench runtimes --memory-child")
    let line = try child.readLine()
    guard let bytes = Int(line) else { throw BenchError.referenceFailed(script: child.script, reason: line) }
    return bytes
  }

  /// In the child: loads the model at `precision`, embeds 16 images and the 8 labels (as `embed` does), prints the
  /// peak RSS in bytes.
  private func measureMemory(_ precision: LinearPrecision) throws {
    let beforeLoad = ProcessMemory.residentBytes
    let engine = try benchEngine(directory: model, precision: precision)
    HeapPolicy.keepActivationMemory()
    let (loaded, loadPeak) = (ProcessMemory.residentBytes, ProcessMemory.peakBytes)
    var generator = SplitMix(seed: 2024)
    let size = engine.imageSize
    let pixels = (0..<16).map { _ in (0 ..< 3 * size * size).map { _ in generator.nextFloat() } }
    for _ in 0..<2 {
      _ = engine.imageEmbeddings(pixelTensors: pixels)
      _ = engine.textEmbeddings(Self.labels)
    }
    FileHandle.standardError.write(Data(("clip-bench runtimes: \(precision.rawValue) RSS before load \(beforeLoad / 1000) kB, "
      + "after load \(loaded / 1000) kB (peak \(loadPeak / 1000) kB), after running \(ProcessMemory.residentBytes / 1000) kB "
      + "(peak \(ProcessMemory.peakBytes / 1000) kB)\n").utf8))
    print(ProcessMemory.peakBytes)
  }

  static let labels = ["a photo of a cat", "a photo of a dog", "a diagram", "a red car on a street",
                       "two people hiking", "a bowl of soup", "a city at night", "an astronaut"]

  /// 64 texts of many lengths and kinds: the 8 labels, templates around varied subjects, long sentences,
  /// punctuation, numbers, case and non-ASCII.
  static let fidelityTexts: [String] = {
    let subjects = ["cat", "golden retriever puppy", "bicycle leaning on a wall", "mountain lake at sunrise",
                    "plate of spaghetti", "robot", "crowded train station", "handwritten note"]
    let templates = ["a photo of a {}.", "This is a photo of {}.", "a blurry picture of the {}",
                     "an oil painting of a {} in the style of the old masters", "{}",
                     "A close-up, high-resolution photograph of a {} taken at night with a flash"]
    var texts = labels
    for (index, subject) in subjects.enumerated() {  // every subject in every template, in two orders
      for template in templates[(index % 2)...] + templates[..<(index % 2)] where texts.count < 56 {
        texts.append(template.replacingOccurrences(of: "{}", with: subject))
      }
    }
    texts += ["", "A", "12345 67890", "WHAT IS THIS?!", "Ein Foto einer Katze", "un chat sur un canapé",
              "two dogs, three cats & one very confused parrot sitting together on a long wooden bench in a park "
                + "on a sunny afternoon while people walk by",
              "the quick brown fox jumps over the lazy dog; the quick brown fox jumps over the lazy dog again and again "
                + "until the sentence is far longer than any label would ever be in a zero-shot classifier"]
    precondition(texts.count == 64, "RuntimesBenchmark: \(texts.count) fidelity texts")
    return texts
  }()
}

/// A speed ratio with its lower bound, printed with two digits (1.15).
private func speedup(_ name: String, ours: String, reference: String, ratio: Double, atLeast bound: Double)
  -> SpeedFigure
{
  SpeedFigure(name: name, ours: ours, reference: reference, ratio: ratio, target: ">= \(format(bound, digits: 2))",
              met: ratio >= bound)
}

/// The lowest cosine similarity between corresponding rows.
func lowestCosine(_ a: [[Float]], _ b: [[Float]]) -> Double {
  precondition(a.count == b.count, "lowestCosine: \(a.count) rows against \(b.count)")
  return zip(a, b).map { x, y in
    var dot = 0.0, xx = 0.0, yy = 0.0
    for (u, v) in zip(x, y) { dot += Double(u) * Double(v); xx += Double(u) * Double(u); yy += Double(v) * Double(v) }
    return dot / (xx.squareRoot() * yy.squareRoot())
  }.min() ?? .nan
}

/// The index of the label embedding with the highest cosine against `image` (the zero-shot top label: softmax and
/// sigmoid of scaled cosines keep the order).
func topLabel(_ image: [Float], _ labels: [[Float]]) -> Int {
  let scores = labels.map { lowestCosine([image], [$0]) }
  return scores.indices.max { scores[$0] < scores[$1] }!
}

/// The cosine of the best label minus the second best's, under `image`.
func topMargin(_ image: [Float], _ labels: [[Float]]) -> Double {
  let scores = labels.map { lowestCosine([image], [$0]) }.sorted(by: >)
  return scores.count > 1 ? scores[0] - scores[1] : .infinity
}

extension PythonReference {
  /// The reply to `request` as a JSON object; a reply with "error" throws.
  func reply(_ request: String) throws -> [String: Any] {
    let line = try ask(request)
    guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
      throw BenchError.referenceFailed(script: script, reason: "unreadable reply \(line.prefix(200))")
    }
    if let error = object["error"] as? String { throw BenchError.referenceFailed(script: script, reason: error) }
    return object
  }

  /// The "embeddings" of the reply to `request`.
  func embeddings(_ request: String) throws -> [[Float]] {
    guard let rows = try reply(request)["embeddings"] as? [[Double]] else {
      throw BenchError.referenceFailed(script: script, reason: "no embeddings in the reply to \(request.prefix(40))")
    }
    return rows.map { $0.map(Float.init) }
  }
}
