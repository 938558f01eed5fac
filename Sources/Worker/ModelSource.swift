import Foundation

/// Where the model comes from, as `--model` names it. Only checkpoint directories are served now; a
/// Hugging Face Hub id (`owner/name`) is recognised so that the message says what is missing.
public enum ModelSource: Equatable, Sendable {
  /// A directory holding config.json, the safetensors weights and the tokenizer files.
  case directory(URL)

  /// Reads a `--model` value: an existing directory. Throws when it is not one.
  public init(parsing argument: String) throws(ModelSourceError) {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else { throw .notADirectory(argument) }
      self = .directory(URL(fileURLWithPath: argument).standardizedFileURL)
      return
    }
    let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
    if parts.count == 2, !argument.hasPrefix("."), parts.allSatisfy({ !$0.isEmpty }) {
      throw .hubIDNotSupported(argument)
    }
    throw .noSuchDirectory(argument)
  }

  /// The identity used in results and cache keys.
  public var id: String {
    switch self {
    case let .directory(url): return url.path
    }
  }

  /// The checkpoint directory.
  public var directory: URL {
    switch self {
    case let .directory(url): return url
    }
  }
}

/// A `--model` value that cannot be served.
public enum ModelSourceError: Error, Equatable, CustomStringConvertible {
  case noSuchDirectory(String)
  case notADirectory(String)
  /// `owner/name` with no such local directory: resolving Hub ids is not implemented yet.
  case hubIDNotSupported(String)

  public var description: String {
    switch self {
    case let .noSuchDirectory(path): return "model directory not found: \(path)"
    case let .notADirectory(path): return "model path is not a directory: \(path)"
    case let .hubIDNotSupported(id):
      return "\(id) is not a local directory, and Hugging Face Hub ids are not resolved yet; "
        + "download the checkpoint and pass its directory"
    }
  }
}
