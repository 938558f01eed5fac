import Foundation
import Hub

/// Where the model comes from, as `--model` names it: a checkpoint directory, or a Hugging Face Hub id that
/// is resolved (from the Hub cache, or downloaded into it) when the worker starts.
public enum ModelSource: Equatable, Sendable {
  /// A directory holding config.json, the safetensors weights and the tokenizer files.
  case directory(URL)
  /// A Hub repository (`org/name`) at a branch, tag or commit.
  case hub(repo: String, revision: String)

  /// The model served when `--model` is not given: openai/clip-vit-base-patch32.
  public static let defaultModel = ModelSource(ModelReference.defaultModel)

  /// Reads a `--model` value: an existing directory, a path, or a Hub id with an optional `@revision`.
  /// A path that does not exist, or names a file, is refused here rather than at startup.
  public init(parsing argument: String) throws(ModelSourceError) {
    let reference: ModelReference
    do {
      reference = try ModelReference(parsing: argument)
    } catch {
      throw .invalid("\(error)")
    }
    if case let .directory(url) = reference {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
        throw .noSuchDirectory(argument)
      }
      guard isDirectory.boolValue else { throw .notADirectory(argument) }
    }
    self.init(reference)
  }

  init(_ reference: ModelReference) {
    switch reference {
    case let .directory(url): self = .directory(url)
    case let .hub(repo, revision): self = .hub(repo: repo, revision: revision)
    }
  }

  /// The identity used in results and cache keys: the directory's path, or the Hub id as given
  /// (`org/name`, with `@revision` unless it is `main`).
  public var id: String {
    switch self {
    case let .directory(url): return url.path
    case let .hub(repo, revision): return ModelReference.hub(repo: repo, revision: revision).description
    }
  }

  /// The checkpoint directory; nil for a Hub id, whose directory is known once resolved.
  public var directory: URL? {
    switch self {
    case let .directory(url): return url
    case .hub: return nil
    }
  }

  /// The checkpoint directory, for a Hub id found in the Hub cache or downloaded into it as huggingface_hub
  /// would (HF_HUB_CACHE, HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE). A directory is returned as it is: loading
  /// it says what is wrong with it.
  /// - Parameter progress: called while files download (never for a cached model).
  /// - Throws: `HubError`, whose description says what is missing or refused.
  public func resolve(progress: @escaping @Sendable (DownloadProgress) -> Void) throws -> URL {
    switch self {
    case let .directory(url): return url
    case let .hub(repo, revision):
      return try ModelResolver(configuration: .fromEnvironment()).resolve(
        .hub(repo: repo, revision: revision), progress: progress)
    }
  }
}

/// A `--model` value that cannot be served.
public enum ModelSourceError: Error, Equatable, CustomStringConvertible {
  case noSuchDirectory(String)
  case notADirectory(String)
  /// Neither a path nor a Hub id; the payload is the reason.
  case invalid(String)

  public var description: String {
    switch self {
    case let .noSuchDirectory(path): return "model directory not found: \(path)"
    case let .notADirectory(path): return "model path is not a directory: \(path)"
    case let .invalid(reason): return reason
    }
  }
}
