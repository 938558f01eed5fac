/// Why a model reference could not be turned into a local checkpoint directory.
///
/// Every case carries what was asked for and what was found, and `description` says it in a sentence a user
/// can act on (the worker shows it as is).
public enum HubError: Error, Equatable, CustomStringConvertible {
  /// The `--model` string is neither an existing directory nor a Hub id (`org/name`, `org/name@revision`).
  case invalidReference(String)
  /// A directory reference that does not exist (or is not a directory).
  case directoryNotFound(path: String)
  /// A checkpoint (directory or snapshot) that lacks files the worker needs.
  case missingFiles(location: String, files: [String])
  /// Offline mode (HF_HUB_OFFLINE) and the cache cannot provide the model; `files` are what is missing.
  case offlineAndMissing(repo: String, revision: String, files: [String])
  /// The Hub says the repository does not exist (or is private and no token was sent).
  case repoNotFound(repo: String)
  /// The repository exists but the revision (branch, tag or commit) does not.
  case revisionNotFound(repo: String, revision: String)
  /// The Hub refused the token, or the repository is gated and needs one.
  case unauthorized(repo: String, status: Int)
  /// An HTTP status we have no better name for.
  case http(status: Int, url: String)
  /// The server answered without the headers that make a Hub cache entry (commit hash, ETag).
  case missingHeader(name: String, url: String)
  /// A transfer failed below HTTP (connection refused, reset, timed out).
  case transport(url: String, message: String)
  /// The body received does not have the length the server announced.
  case sizeMismatch(file: String, expected: Int64, received: Int64)
  /// The shard index (`index`: `model.safetensors.index.json` or `pytorch_model.bin.index.json`) could not be read.
  case badShardIndex(location: String, reason: String, index: String = "model.safetensors.index.json")
  /// A file system operation in the cache failed.
  case cache(path: String, message: String)

  public var description: String {
    switch self {
    case .invalidReference(let text):
      return "'\(text)' is neither an existing directory nor a Hugging Face Hub id (org/name or org/name@revision)"
    case .directoryNotFound(let path):
      return "model directory \(path) does not exist"
    case .missingFiles(let location, let files):
      return "\(location) lacks files the worker needs: \(files.joined(separator: ", "))"
    case .offlineAndMissing(let repo, let revision, let files):
      return "offline mode (HF_HUB_OFFLINE) and \(repo)@\(revision) is not in the cache; missing: "
        + "\(files.joined(separator: ", ")). Run once online or unset HF_HUB_OFFLINE"
    case .repoNotFound(let repo):
      return "repository \(repo) was not found on the Hub (if it is private or gated, set HF_TOKEN)"
    case .revisionNotFound(let repo, let revision):
      return "revision \(revision) was not found in repository \(repo)"
    case .unauthorized(let repo, let status):
      return "access to \(repo) was refused (HTTP \(status)); set HF_TOKEN to a token that may read it"
    case .http(let status, let url):
      return "HTTP \(status) from \(url)"
    case .missingHeader(let name, let url):
      return "\(url) answered without a \(name) header, so the file cannot be cached reliably "
        + "(is HF_ENDPOINT a Hugging Face Hub?)"
    case .transport(let url, let message):
      return "could not download \(url): \(message)"
    case .sizeMismatch(let file, let expected, let received):
      return "\(file): expected \(expected) bytes, received \(received)"
    case .badShardIndex(let location, let reason, let index):
      return "\(location)/\(index): \(reason)"
    case .cache(let path, let message):
      return "Hub cache at \(path): \(message)"
    }
  }
}
