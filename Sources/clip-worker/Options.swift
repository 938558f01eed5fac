import Foundation
import ImageCodecs
import Worker

/// The command line: options, each also settable by an environment variable (the command line wins).
struct Options {
  var model: String?
  var configuration = WorkerConfiguration()
  var logLevel = Logger.Level.info
  var action = Action.serve

  enum Action { case serve, help, version }

  /// One option: its flag, its environment variable, what it sets.
  private struct Spec {
    var flag: String
    var variable: String
    var value: String
    var help: String
    var apply: (inout Options, String) throws -> Void
  }

  private static let specs: [Spec] = [
    Spec(
      flag: "--model", variable: "CLIP_WORKER_MODEL", value: "DIR",
      help: "checkpoint directory (config.json, model.safetensors, tokenizer files); required"
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
      flag: "--log-level", variable: "CLIP_WORKER_LOG_LEVEL", value: "LEVEL",
      help: "error, warning, info or debug; logs go to stderr (default info)"
    ) { options, value in
      guard let level = Logger.Level(name: value) else {
        throw OptionsError.invalidValue(flag: "--log-level", value: value)
      }
      options.logLevel = level
    },
  ]

  /// Reads the environment, then the arguments (without the program name).
  init(arguments: [String], environment: [String: String]) throws {
    configuration.threads = ProcessInfo.processInfo.activeProcessorCount
    for spec in Options.specs {
      if let value = environment[spec.variable], !value.isEmpty { try spec.apply(&self, value) }
    }
    var rest = arguments[...]
    while let argument = rest.popFirst() {
      switch argument {
      case "-h", "--help": action = .help; return
      case "--version": action = .version; return
      default: break
      }
      let (flag, inlineValue) = Options.split(argument)
      guard let spec = Options.specs.first(where: { $0.flag == flag }) else {
        throw OptionsError.unknownOption(argument)
      }
      guard let value = inlineValue ?? rest.popFirst() else { throw OptionsError.missingValue(flag: flag) }
      try spec.apply(&self, value)
    }
    guard model != nil else { throw OptionsError.missingModel }
  }

  /// `--flag=value` into its parts.
  private static func split(_ argument: String) -> (String, String?) {
    guard argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") else { return (argument, nil) }
    return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
  }

  private static func integer(_ text: String, flag: String, minimum: Int) throws(OptionsError) -> Int {
    guard let value = Int(text), value >= minimum else { throw .invalidValue(flag: flag, value: text) }
    return value
  }

  static var usage: String {
    var lines = [
      "usage: clip-worker --model DIR [options]",
      "",
      "Serves a CLIP model over JSON-RPC 2.0 on stdin/stdout, one JSON message per line, until the exit",
      "notification or the end of input. The protocol is described in protocol/README.md; rpc.discover",
      "returns its OpenRPC document.",
      "",
      "options (each may also be set by the environment variable shown; the command line wins):",
    ]
    for spec in specs {
      lines.append("  \(spec.flag) \(spec.value)".padding(toLength: 30, withPad: " ", startingAt: 0) + spec.help)
      lines.append(String(repeating: " ", count: 30) + "env: \(spec.variable)")
    }
    lines.append("  -h, --help".padding(toLength: 30, withPad: " ", startingAt: 0) + "show this help and exit")
    lines.append("  --version".padding(toLength: 30, withPad: " ", startingAt: 0) + "show the version and exit")
    lines.append("")
    lines.append("exit codes: 0 after shutdown+exit or end of input, 1 on exit without shutdown or a model that")
    lines.append("fails to load, 2 on bad options.")
    return lines.joined(separator: "\n")
  }
}

/// A command line that cannot be served; reported on stderr with exit code 2.
enum OptionsError: Error, Equatable, CustomStringConvertible {
  case unknownOption(String)
  case missingValue(flag: String)
  case invalidValue(flag: String, value: String)
  case missingModel

  var description: String {
    switch self {
    case let .unknownOption(option): return "unknown option \(option)"
    case let .missingValue(flag): return "\(flag) needs a value"
    case let .invalidValue(flag, value): return "invalid value for \(flag): \(value)"
    case .missingModel: return "no model: pass --model DIR or set CLIP_WORKER_MODEL"
    }
  }
}
