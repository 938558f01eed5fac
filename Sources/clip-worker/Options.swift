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
  /// Whether `--log-level` (or its variable) was given; else the one-shot commands log warnings only.
  var logLevelGiven = false
  /// `-v`: the one-shot commands log as the server does (info).
  var verbose = false
  var action = Action.serve
  /// `--allow-path` directories (from the environment, `:`-separated, unless the command line gives any).
  var allowPaths: [String] = []
  /// `--no-paths`: path inputs refused, bytes only.
  var noPaths = false

  enum Action: Equatable {
    case serve, version
    /// `--check` or `clip-worker check`: load the model, embed one text and one image, report, exit.
    case check
    /// Help for the server, or for one command.
    case help(OneShotCommand.Kind?)
    case oneShot(OneShotCommand)
    /// `index` or `search` (CollectionCommand), or its help.
    case collection(CollectionCommand)
    case collectionHelp(CollectionCommand.Kind)
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
      flag: "--allow-path", variable: "CLIP_WORKER_ALLOW_PATHS", value: "DIR",
      help: "path inputs must resolve (after symlinks and ..) inside DIR; repeatable (env: ':'-separated)"
    ) { options, value in
      options.allowPaths += value.split(separator: ":").map(String.init)
    },
    Spec(
      flag: "--max-request-images", variable: "CLIP_WORKER_MAX_REQUEST_IMAGES", value: "N",
      help: "most images in one request (default 1024)"
    ) { options, value in
      options.configuration.requestLimits.maxImages = try integer(value, flag: "--max-request-images", minimum: 1)
    },
    Spec(
      flag: "--max-request-texts", variable: "CLIP_WORKER_MAX_REQUEST_TEXTS", value: "N",
      help: "most texts (or labels) in one request (default 16384)"
    ) { options, value in
      options.configuration.requestLimits.maxTexts = try integer(value, flag: "--max-request-texts", minimum: 1)
    },
    Spec(
      flag: "--max-request-text-kb", variable: "CLIP_WORKER_MAX_REQUEST_TEXT_KB", value: "N",
      help: "most UTF-8 bytes of all texts of one request, in KiB (default 65536)"
    ) { options, value in
      options.configuration.requestLimits.maxTextBytes =
        try integer(value, flag: "--max-request-text-kb", minimum: 1) * 1024
    },
    Spec(
      flag: "--max-request-pixels", variable: "CLIP_WORKER_MAX_REQUEST_PIXELS", value: "N",
      help: "most decoded pixels of all images of one request (default 400000000)"
    ) { options, value in
      options.configuration.requestLimits.maxPixels = try integer(value, flag: "--max-request-pixels", minimum: 1)
    },
    Spec(
      flag: "--log-level", variable: "CLIP_WORKER_LOG_LEVEL", value: "LEVEL",
      help: "error, warning, info or debug; logs go to stderr (default info)"
    ) { options, value in
      guard let level = Logger.Level(name: value) else {
        throw OptionsError.invalidValue(flag: "--log-level", value: value)
      }
      options.logLevel = level
      options.logLevelGiven = true
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
    if let value = environment["CLIP_WORKER_NO_PATHS"], !value.isEmpty {
      guard ["1", "true", "yes"].contains(value) else {
        throw OptionsError.invalidValue(flag: "CLIP_WORKER_NO_PATHS", value: value)
      }
      noPaths = true
    }
    var rest = arguments[...]
    var command: OneShotCommand?
    var collectionCommand: CollectionCommand?
    if let first = rest.first, let kind = OneShotCommand.Kind(rawValue: first) {
      rest.removeFirst()
      command = OneShotCommand(kind: kind)
    } else if let first = rest.first, let kind = CollectionCommand.Kind(rawValue: first) {
      rest.removeFirst()
      collectionCommand = CollectionCommand(kind: kind)
    } else if rest.first == "check" {
      rest.removeFirst()
      action = .check
    }
    var allowPathsOnCommandLine = false
    while let argument = rest.popFirst() {
      switch argument {
      case "-h", "--help":
        action = collectionCommand.map { .collectionHelp($0.kind) } ?? .help(command?.kind)
        return
      case "--version": action = .version; return
      case "--check" where command == nil: action = .check; continue
      case "--no-paths": noPaths = true; continue
      case "-v", "--verbose": verbose = true; continue
      default: break
      }
      if Options.split(argument).0 == "--allow-path", !allowPathsOnCommandLine {
        // The command line's roots replace the environment's.
        allowPathsOnCommandLine = true
        allowPaths = []
      }
      if collectionCommand != nil, !argument.hasPrefix("-") {
        collectionCommand!.arguments.append(argument)
        continue
      }
      // `-` is stdin (image bytes); any other word that is not a flag is an image or folder.
      if command != nil, argument == "-" || !argument.hasPrefix("-") {
        command!.images.append(argument)
        continue
      }
      let flag = CommandFlag(argument)
      if let spec = Options.specs.first(where: { $0.flag == flag.name }) {
        try spec.apply(&self, try flag.value(&rest))
      } else if command != nil, try command!.accept(flag, rest: &rest) {
        continue
      } else if collectionCommand != nil, try collectionCommand!.accept(flag, rest: &rest) {
        continue
      } else {
        throw OptionsError.unknownOption(argument)
      }
    }
    if let command {
      try command.validate()
      action = .oneShot(command)
    }
    if let collectionCommand {
      try collectionCommand.validate(storeDirectory: configuration.storeDirectory)
      action = .collection(collectionCommand)
    }
    // A command at a terminal is quiet unless asked (`-v`, `--log-level`); the server keeps its log.
    if action != .serve, !verbose, !logLevelGiven { logLevel = .warning }
    if noPaths {
      guard allowPaths.isEmpty else { throw OptionsError.badCommand("--no-paths and --allow-path exclude each other") }
      configuration.pathPolicy = .none
    } else if !allowPaths.isEmpty {
      do { configuration.pathPolicy = try PathPolicy.allowing(allowPaths) } catch {
        throw OptionsError.badCommand(error.description)
      }
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
    lines.append(helpLine("  --no-paths", "refuse path inputs: images only as data (env: CLIP_WORKER_NO_PATHS=1)"))
    lines.append(helpLine("  -v, --verbose", "classify, embed, check: log as the server does (default: warnings only)"))
    lines.append(helpLine("  -h, --help", "show this help and exit"))
    lines.append(helpLine("  --version", "show the version and exit"))
    return lines
  }

  static func helpLine(_ flag: String, _ help: String) -> String {
    flag.padding(toLength: max(30, flag.count + 2), withPad: " ", startingAt: 0) + help
  }

  static func usage(_ kind: CollectionCommand.Kind) -> String {
    (CollectionCommand.usage(kind) + ["", "options:"] + optionLines).joined(separator: "\n")
  }

  static func usage(_ kind: OneShotCommand.Kind?) -> String {
    if let kind { return (OneShotCommand.usage(kind) + ["", "options:"] + optionLines).joined(separator: "\n") }
    var lines = [
      "usage: clip-worker [--model MODEL] [options]",
      "       clip-worker classify IMAGE... --labels \"a,b\" [options]   (see clip-worker classify --help)",
      "       clip-worker embed IMAGE... | --text T... [options]     (see clip-worker embed --help)",
      "       clip-worker index DIR... --collection NAME [options]     (see clip-worker index --help)",
      "       clip-worker search TEXT --collection NAME [options]    (see clip-worker search --help)",
      "       clip-worker check [--model MODEL] [options]          (or --check: load, embed a text and an image, report)",
      "",
      "Serves a CLIP-family model over JSON-RPC 2.0 on stdin/stdout, one JSON message per line, until the exit",
      "notification or the end of input. The methods, their params and errors are in the OpenRPC document that",
      "the rpc.discover method returns (clip-worker's source has it as protocol/openrpc.json, with a README).",
      "Relative image paths resolve against the worker's working directory. Input that starts with a",
      "Content-Length: header is read, and answered, in LSP's framing (Content-Length: N, a blank line, N bytes).",
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
    lines.append("cannot be resolved or loaded (also when the input ends first), 2 on bad options.")
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
