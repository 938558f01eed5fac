import Foundation
import Hub
import Kernels
import Worker

/// The command line: options, each also settable by an environment variable (the command line wins), and
/// the one-shot commands `classify` and `embed` with their own flags.
struct Options {
  var model: String?
  var configuration = WorkerConfiguration()
  var logLevel = Logger.Level.info
  var action = Action.serve

  enum Action: Equatable {
    case serve, version
    /// Help for the server, or for one command.
    case help(OneShotCommand.Kind?)
    case oneShot(OneShotCommand)
  }

  /// One option: its flag, its environment variable, what it sets.
  private struct Spec: Sendable {
    var flag: String
    var variable: String
    var value: String
    var help: String
    var apply: @Sendable (inout Options, String) throws -> Void
  }

  private static let specs: [Spec] = [
    Spec(
      flag: "--model", variable: "CLIP_WORKER_MODEL", value: "MODEL",
      help: "checkpoint directory, or Hugging Face Hub id org/name[@revision] (default \(defaultModel))"
    ) { options, value in
      options.model = value
    },
    Spec(
      flag: "--cache-mb", variable: "CLIP_WORKER_CACHE_MB", value: "N",
      help: "embedding cache bound in MiB; 0 disables the cache (default 256)"
    ) { options, value in
      options.configuration.cacheCapacityBytes = try integer(value, flag: "--cache-mb", minimum: 0) * 1024 * 1024
    },
    Spec(
      flag: "--store", variable: "CLIP_WORKER_STORE", value: "DIR",
      help: "persistent embedding store directory, or none (default $XDG_CACHE_HOME/clip-worker, else ~/.cache/clip-worker)"
    ) { options, value in
      options.configuration.storeDirectory = value == "none" ? nil : value
    },
    Spec(
      flag: "--store-mb", variable: "CLIP_WORKER_STORE_MB", value: "N",
      help: "persistent store bound in MiB (default 2048)"
    ) { options, value in
      options.configuration.storeCapacityBytes = try integer(value, flag: "--store-mb", minimum: 1) * 1024 * 1024
    },
    Spec(
      flag: "--threads", variable: "CLIP_WORKER_THREADS", value: "N",
      help: "threads for the model's kernels and for decoding images (default: the number of cores)"
    ) { options, value in
      options.configuration.threads = try integer(value, flag: "--threads", minimum: 1)
    },
    Spec(
      flag: "--max-image-pixels", variable: "CLIP_WORKER_MAX_IMAGE_PIXELS", value: "N",
      help: "refuse images with more pixels than this (default 100000000)"
    ) { options, value in
      options.configuration.imageLimits.maxPixels = try integer(value, flag: "--max-image-pixels", minimum: 1)
    },
    Spec(
      flag: "--max-message-mb", variable: "CLIP_WORKER_MAX_MESSAGE_MB", value: "N",
      help: "longest accepted message (one line) in MiB; longer ones are discarded and refused (default 100)"
    ) { options, value in
      options.configuration.maxMessageBytes = try integer(value, flag: "--max-message-mb", minimum: 1) * 1024 * 1024
    },
    Spec(
      flag: "--max-file-mb", variable: "CLIP_WORKER_MAX_FILE_MB", value: "N",
      help: "largest image file read from a path, in MiB (default 64)"
    ) { options, value in
      options.configuration.maxImageFileBytes = try integer(value, flag: "--max-file-mb", minimum: 1) * 1024 * 1024
    },
    Spec(
      flag: "--precision", variable: "CLIP_WORKER_PRECISION", value: "P",
      help: "f32 (exact, default), int8 (weights and activations quantized, faster) or bf16 (bf16 weights)"
    ) { options, value in
      guard let precision = LinearPrecision(rawValue: value) else {
        throw OptionsError.invalidValue(flag: "--precision", value: value)
      }
      options.configuration.precision = precision
    },
    Spec(
      flag: "--log-level", variable: "CLIP_WORKER_LOG_LEVEL", value: "LEVEL",
      help: "error, warning, info or debug; logs go to stderr (default info)"
    ) { options, value in
      guard let level = Logger.Level(name: value) else {
        throw OptionsError.invalidValue(flag: "--log-level", value: value)
      }
      options.logLevel = level
    },
  ]

  static let defaultModel = ModelReference.defaultModel.description

  /// `$XDG_CACHE_HOME/clip-worker`, else `~/.cache/clip-worker`; nil without either variable.
  static func defaultStore(environment: [String: String]) -> String? {
    if let cache = environment["XDG_CACHE_HOME"], !cache.isEmpty { return cache + "/clip-worker" }
    if let home = environment["HOME"], !home.isEmpty { return home + "/.cache/clip-worker" }
    return nil
  }

  /// Reads the environment, then the arguments (without the program name). A first argument `classify` or
  /// `embed` selects that one-shot command.
  init(arguments: [String], environment: [String: String]) throws {
    configuration.threads = ProcessInfo.processInfo.activeProcessorCount
    configuration.storeDirectory = Options.defaultStore(environment: environment)
    for spec in Options.specs {
      if let value = environment[spec.variable], !value.isEmpty {
        try spec.apply(&self, value)
      }
    }
    var rest = arguments[...]
    var command: OneShotCommand?
    if let first = rest.first, let kind = OneShotCommand.Kind(rawValue: first) {
      rest.removeFirst()
      command = OneShotCommand(kind: kind)
    }
    while let argument = rest.popFirst() {
      switch argument {
      case "-h", "--help": action = .help(command?.kind); return
      case "--version": action = .version; return
      default: break
      }
      if command != nil, !argument.hasPrefix("-") {
        command!.images.append(argument)
        continue
      }
      let (flag, inlineValue) = Options.split(argument)
      if let spec = Options.specs.first(where: { $0.flag == flag }) {
        guard let value = inlineValue ?? rest.popFirst() else { throw OptionsError.missingValue(flag: flag) }
        try spec.apply(&self, value)
      } else if command != nil, try command!.accept(flag: flag, inlineValue: inlineValue, rest: &rest) {
        continue
      } else {
        throw OptionsError.unknownOption(argument)
      }
    }
    if let command {
      try command.validate()
      action = .oneShot(command)
    }
  }

  /// The model to serve: `--model`, else the default Hub model. A directory must exist (and be one) now, so
  /// that a mistyped path is a usage error rather than a failed start.
  func source() throws(OptionsError) -> ModelReference {
    guard let model else { return ModelReference.defaultModel }
    let reference: ModelReference
    do {
      reference = try ModelReference(parsing: model)
    } catch {
      throw .badModel("\(error)")
    }
    if case let .directory(url) = reference {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
        throw .badModel("model directory not found: \(model)")
      }
      guard isDirectory.boolValue else { throw .badModel("model path is not a directory: \(model)") }
    }
    return reference
  }

  /// `--flag=value` into its parts.
  static func split(_ argument: String) -> (String, String?) {
    guard argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") else { return (argument, nil) }
    return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
  }

  static func integer(_ text: String, flag: String, minimum: Int) throws(OptionsError) -> Int {
    guard let value = Int(text), value >= minimum else { throw .invalidValue(flag: flag, value: text) }
    return value
  }

  /// The common options, as lines of help.
  private static var optionLines: [String] {
    var lines: [String] = []
    for spec in specs {
      lines.append(helpLine("  \(spec.flag) \(spec.value)", spec.help))
      lines.append(String(repeating: " ", count: 30) + "env: \(spec.variable)")
    }
    lines.append(helpLine("  -h, --help", "show this help and exit"))
    lines.append(helpLine("  --version", "show the version and exit"))
    return lines
  }

  static func helpLine(_ flag: String, _ help: String) -> String {
    flag.padding(toLength: max(30, flag.count + 2), withPad: " ", startingAt: 0) + help
  }

  static func usage(_ kind: OneShotCommand.Kind?) -> String {
    if let kind { return (OneShotCommand.usage(kind) + ["", "options:"] + optionLines).joined(separator: "\n") }
    var lines = [
      "usage: clip-worker [--model MODEL] [options]",
      "       clip-worker classify IMAGE... --labels \"a,b\" [options]   (see clip-worker classify --help)",
      "       clip-worker embed IMAGE... | --text T... [options]     (see clip-worker embed --help)",
      "",
      "Serves a CLIP model over JSON-RPC 2.0 on stdin/stdout, one JSON message per line, until the exit",
      "notification or the end of input. The protocol is described in protocol/README.md; rpc.discover",
      "returns its OpenRPC document.",
      "",
      "A Hub id is looked up in the Hugging Face cache (HF_HUB_CACHE, HF_HOME) and downloaded into it when",
      "missing (HF_ENDPOINT, HF_TOKEN); with HF_HUB_OFFLINE=1 the network is never used. Download progress is",
      "shown on stderr.",
      "",
      "options (each may also be set by the environment variable shown; the command line wins):",
    ]
    lines += optionLines
    lines.append("")
    lines.append("exit codes: 0 after shutdown+exit or end of input, 1 on exit without shutdown or a model that")
    lines.append("cannot be resolved or loaded, 2 on bad options.")
    return lines.joined(separator: "\n")
  }
}

/// A command line that cannot be run; reported on stderr with exit code 2.
enum OptionsError: Error, Equatable, CustomStringConvertible {
  case unknownOption(String)
  case missingValue(flag: String)
  case invalidValue(flag: String, value: String)
  /// A one-shot command's arguments that do not make a request; the payload says why.
  case badCommand(String)
  /// A `--model` that names neither an existing directory nor a Hub id; the payload says why.
  case badModel(String)

  var description: String {
    switch self {
    case let .unknownOption(option): return "unknown option \(option)"
    case let .missingValue(flag): return "\(flag) needs a value"
    case let .invalidValue(flag, value): return "invalid value for \(flag): \(value)"
    case let .badCommand(why), let .badModel(why): return why
    }
  }
}
