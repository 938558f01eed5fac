/// The files a model family reads from a checkpoint besides `config.json` and the weights (which every family reads,
/// and whose layouts the Hub module knows: safetensors or pickled, a single file or a shard index with its shards).
///
/// The Hub fetches exactly these; a directory or snapshot that lacks a required file is refused naming it.
public struct CheckpointFileSet: Sendable, Equatable {
  /// One file the family needs, met by any one of its alternatives (each a list of files that must all exist).
  public struct Requirement: Sendable, Equatable {
    /// How errors name what is missing, e.g. "tokenizer.json (or vocab.json and merges.txt)".
    public var name: String
    public var alternatives: [[String]]

    /// One file, required as it is.
    public init(file: String) {
      name = file
      alternatives = [[file]]
    }

    public init(name: String, alternatives: [[String]]) {
      precondition(!alternatives.isEmpty && alternatives.allSatisfy { !$0.isEmpty }, "Requirement: no file")
      self.name = name
      self.alternatives = alternatives
    }

    /// Whether `exists` says one alternative is complete.
    func isMet(_ exists: (String) -> Bool) -> Bool { alternatives.contains { $0.allSatisfy(exists) } }
  }

  public var required: [Requirement]
  /// Read when present (`tokenizer_config.json`, say).
  public var optional: [String]

  public init(required: [Requirement], optional: [String] = []) {
    self.required = required
    self.optional = optional
  }

  /// Every file of every alternative, then the optional ones, each once: what a download asks the Hub for.
  var candidates: [String] {
    var seen = Set<String>(), files: [String] = []
    for file in required.flatMap({ $0.alternatives.joined() }) + optional where seen.insert(file).inserted {
      files.append(file)
    }
    return files
  }
}

/// The files of the family a checkpoint's `config.json` names (nil when there is none yet, as before a download:
/// then the default family's). Throws when no family serves the configuration.
public typealias CheckpointFileChooser = @Sendable (_ config: [UInt8]?) throws -> CheckpointFileSet
