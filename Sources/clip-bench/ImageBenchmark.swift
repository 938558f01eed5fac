import Foundation
import ImageCodecs
import ImageProcessing

/// `clip-bench images`: per-image decode + preprocess time of ours (read the file, `decodeImage`,
/// `CLIPImageProcessor`) next to the reference (`transformers.image_utils.load_image` and
/// `CLIPImageProcessorPil` with `return_tensors="pt"`, as the zero-shot pipeline preprocesses), on the same
/// generated photos, and whether the two tensors are equal.
///
/// Both sides run single-threaded, one image at a time: the worker spreads images over a pool, so the
/// per-image cost is what matters. Calls alternate between the two sides (ours first on even rounds, the
/// reference first on odd ones) so that a noisy neighbour on the machine slows both alike; medians of wall
/// and thread CPU time are reported, CPU time being the steadier one on a shared machine.
enum ImageBenchmark {
  /// Command-line options: `[--runs N] [--python PATH] [--script PATH] [--keep DIR]`.
  struct Options {
    /// Timed calls per file and side, after one untimed warm-up call each.
    var runs = 15
    /// The Python interpreter, looked up on PATH unless a path is given.
    var python = "python3"
    /// The reference script; by default the one beside this source file.
    var script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("reference/images.py")
    /// Where to write the inputs and keep them; by default a temporary directory removed at the end.
    var keep: URL?

    init(arguments: [String]) throws {
      var remaining = arguments[...]
      while let option = remaining.popFirst() {
        guard ["--runs", "--python", "--script", "--keep"].contains(option) else {
          throw Failure.unknownOption(option)
        }
        guard let value = remaining.popFirst() else { throw Failure.missingValue(option: option) }
        switch option {
        case "--runs":
          guard let count = Int(value), count > 0 else { throw Failure.invalidValue(option: option, value: value) }
          runs = count
        case "--python": python = value
        case "--script": script = URL(fileURLWithPath: value)
        default: keep = URL(fileURLWithPath: value, isDirectory: true)
        }
      }
    }
  }

  /// A failure of the benchmark itself (not a slow result).
  enum Failure: Error, CustomStringConvertible {
    case unknownOption(String)
    case missingValue(option: String)
    case invalidValue(option: String, value: String)
    /// The reference process ended (`status` nil if it could not be read) before answering.
    case referenceExited(status: Int32?)
    /// The reference process answered with something that is not the expected JSON line.
    case referenceProtocol(line: String)
    case referenceRefused(command: String, reason: String)
    /// Our tensor differs from the reference's for these files (after the whole table has been printed).
    case parityMismatch(files: [String])

    var description: String {
      switch self {
      case let .unknownOption(option):
        return "images: unknown option \(option) (expected --runs N, --python PATH, --script PATH, --keep DIR)"
      case let .missingValue(option): return "images: \(option) needs a value"
      case let .invalidValue(option, value): return "images: invalid value \(value) for \(option)"
      case let .referenceExited(status):
        return "images: the reference script exited (status \(status.map(String.init) ?? "unknown")); see its stderr"
      case let .referenceProtocol(line): return "images: unexpected line from the reference script: \(line)"
      case let .referenceRefused(command, reason): return "images: the reference script refused \(command): \(reason)"
      case let .parityMismatch(files):
        return "images: our tensor differs from the reference's for \(files.joined(separator: ", "))"
      }
    }
  }

  /// One call of one side, or the medians of several, in seconds: wall and thread CPU time of the whole
  /// call, and the CPU time of its first part (reading and decoding the file; `load_image` for the reference).
  struct Timing: Decodable {
    var wall: Double
    var cpu: Double
    var decodeCPU: Double

    enum CodingKeys: String, CodingKey { case wall, cpu, decodeCPU = "decode_cpu" }

    init(wall: Double, cpu: Double, decodeCPU: Double) {
      self.wall = wall
      self.cpu = cpu
      self.decodeCPU = decodeCPU
    }

    /// Each field's median over `timings` (not one of the calls: the medians may come from different ones).
    init(medianOf timings: [Timing]) {
      self.init(wall: median(timings.map(\.wall)), cpu: median(timings.map(\.cpu)),
                decodeCPU: median(timings.map(\.decodeCPU)))
    }
  }

  /// Runs the benchmark and prints its table to stdout (progress goes to stderr). `arguments` are those after
  /// the subcommand name, e.g. `["--runs", "21"]`.
  ///
  /// - Throws: `Failure` for bad options, a reference process that fails, or (once the tables are printed)
  ///   tensors that differ from the reference's; decoding and file errors as they come.
  static func run(arguments: [String]) throws {
    let options = try Options(arguments: arguments)
    let directory = options.keep ?? FileManager.default.temporaryDirectory
      .appendingPathComponent("clip-bench-images-\(ProcessInfo.processInfo.processIdentifier)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { if options.keep == nil { try? FileManager.default.removeItem(at: directory) } }

    progress("images: writing the inputs and starting the reference (\(options.script.path))")
    let reference = try Reference(python: options.python, script: options.script, directory: directory)
    let processor = try CLIPImageProcessor(contentsOf: directory.appendingPathComponent("preprocessor_config.json"))
    let versions = reference.hello.versions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
    print("reference: \(versions.joined(separator: ", "))")
    print("\(options.runs) runs per file and side, single-threaded; medians; "
      + "ratio = reference / ours (> 1: ours faster); max |diff| of the two tensors")
    print("")
    let header = [pad("file", 36), pad("ours ms", 9, right: true), pad("ref ms", 9, right: true),
                  pad("ratio", 7, right: true), pad("ours cpu", 9, right: true), pad("ref cpu", 9, right: true),
                  pad("ratio", 7, right: true), pad("max |diff|", 11, right: true)]
    print(header.joined(separator: " "))

    var cpuRatios: [String: [Double]] = [:]
    var splits: [String] = [], mismatches: [String] = []
    let scratch = directory.appendingPathComponent("reference-tensor.f32")
    for file in reference.hello.files {
      let url = directory.appendingPathComponent(file)
      let (ours, theirs, tensor) = try measure(url: url, file: file, processor: processor, reference: reference,
                                               runs: options.runs)
      let expected = try reference.tensor(file, scratch: scratch)
      let difference = maxAbsoluteDifference(tensor, expected)
      if difference != 0 { mismatches.append(file) }
      let row = [pad(file, 36), milliseconds(ours.wall), milliseconds(theirs.wall), ratio(theirs.wall / ours.wall),
                 milliseconds(ours.cpu), milliseconds(theirs.cpu), ratio(theirs.cpu / ours.cpu),
                 pad(difference.map { String(format: "%.3g", $0) } ?? "shape", 11, right: true)]
      print(row.joined(separator: " "))
      cpuRatios[kind(of: file), default: []].append(theirs.cpu / ours.cpu)
      splits.append([pad(file, 36), milliseconds(ours.decodeCPU), milliseconds(ours.cpu - ours.decodeCPU),
                     milliseconds(theirs.decodeCPU), milliseconds(theirs.cpu - theirs.decodeCPU)]
        .joined(separator: " "))
    }
    print("")
    print("geometric mean of the CPU-time ratio by kind:")
    for (kind, ratios) in cpuRatios.sorted(by: { $0.key < $1.key }) {
      let mean = exp(ratios.map(log).reduce(0, +) / Double(ratios.count))
      print("  \(pad(kind, 28)) \(String(format: "%.2f", mean))  (\(ratios.count) files)")
    }
    print("")
    print("where the CPU time goes (medians, ms): decode = read + decodeImage / load_image, "
      + "preprocess = the processor")
    print([pad("file", 36), pad("ours dec", 9, right: true), pad("ours pre", 9, right: true),
           pad("ref dec", 9, right: true), pad("ref pre", 9, right: true)].joined(separator: " "))
    for split in splits { print(split) }
    if !mismatches.isEmpty { throw Failure.parityMismatch(files: mismatches) }
  }

  /// Times `runs` calls of each side on one file, alternating, after one warm-up call each; returns the
  /// medians and our last tensor.
  private static func measure(url: URL, file: String, processor: CLIPImageProcessor, reference: Reference,
                              runs: Int) throws -> (ours: Timing, reference: Timing, tensor: [Float]) {
    var (_, tensor) = try preprocess(url, processor)
    _ = try reference.time(file)
    var ours: [Timing] = [], theirs: [Timing] = []
    for round in 0..<runs {
      if round % 2 == 1 { theirs.append(try reference.time(file)) }
      let timing: Timing
      (timing, tensor) = try preprocess(url, processor)
      ours.append(timing)
      if round % 2 == 0 { theirs.append(try reference.time(file)) }
    }
    return (Timing(medianOf: ours), Timing(medianOf: theirs), tensor)
  }

  /// Our side of one call, what the worker does with an image file, timed.
  private static func preprocess(_ url: URL, _ processor: CLIPImageProcessor) throws -> (Timing, [Float]) {
    let start = Clock.now()
    let image = try decodeImage([UInt8](try Data(contentsOf: url)))
    let decoded = Clock.now()
    let tensor = processor(image)
    let end = Clock.now()
    return (Timing(wall: end.wall - start.wall, cpu: end.cpu - start.cpu, decodeCPU: decoded.cpu - start.cpu), tensor)
  }

  /// Monotonic wall time and this thread's CPU time, in seconds.
  private enum Clock {
    static func now() -> (wall: Double, cpu: Double) {
      (seconds(CLOCK_MONOTONIC), seconds(CLOCK_THREAD_CPUTIME_ID))
    }

    private static func seconds(_ clock: clockid_t) -> Double {
      var time = timespec()
      clock_gettime(clock, &time)
      return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
  }

  /// nil when the shapes differ.
  private static func maxAbsoluteDifference(_ a: [Float], _ b: [Float]) -> Float? {
    guard a.count == b.count else { return nil }
    return zip(a, b).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
  }

  /// "baseline jpeg 1600x1200" for "rocket-1600x1200-baseline.jpg": the file name without the photo.
  private static func kind(of file: String) -> String {
    let rest = file.split(separator: "-", maxSplits: 1).last ?? ""
    let size = rest.prefix { $0.isNumber || $0 == "x" }
    let format = rest.hasSuffix(".png")
      ? "png" : rest.dropFirst(size.count + 1).replacingOccurrences(of: ".jpg", with: " jpeg")
    return "\(format) \(size)"
  }

  private static func milliseconds(_ seconds: Double) -> String {
    pad(String(format: "%.2f", seconds * 1000), 9, right: true)
  }

  private static func ratio(_ value: Double) -> String { pad(String(format: "%.2f", value), 7, right: true) }

  private static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    let padding = String(repeating: " ", count: max(0, width - text.count))
    return right ? padding + text : text + padding
  }

  private static func progress(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
  }
}
