import Foundation

/// What `--model` names: a local checkpoint directory, or a Hugging Face Hub repository at a revision.
public enum ModelReference: Equatable, Sendable {
  /// A directory holding `config.json`, the tokenizer files and safetensors weights.
  case directory(URL)
  /// A Hub repository id (`org/name`, or a bare legacy `name`) at a branch, tag or commit hash.
  case hub(repo: String, revision: String)

  /// The model the worker loads when none is named.
  public static let defaultModel = ModelReference.hub(repo: "openai/clip-vit-base-patch32", revision: "main")

  /// Parses a `--model` argument.
  ///
  /// An existing directory wins, so a local folder called `org/name` is used as a folder. Otherwise a string
  /// that starts like a path (`/`, `./`, `../`, `~`) is a directory (checked when resolved), and anything
  /// else must be a Hub id with an optional `@revision` (default `main`; a revision may contain `/`, as in
  /// `refs/pr/1`).
  /// - Throws: `HubError.invalidReference` when the string is none of these.
  public init(parsing text: String) throws {
    let path = (text as NSString).expandingTildeInPath
    var isDirectory: ObjCBool = false
    if !text.isEmpty, FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
      self = .directory(URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL)
      return
    }
    let pathPrefixes = ["/", "./", "../", "~"]
    if text == "." || text == ".." || pathPrefixes.contains(where: { text.hasPrefix($0) }) {
      self = .directory(URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL)
      return
    }
    var repo = Substring(text)
    var revision = "main"
    if let at = text.firstIndex(of: "@") {
      repo = text[..<at]
      revision = String(text[text.index(after: at)...])
      guard !revision.isEmpty else { throw HubError.invalidReference(text) }
    }
    guard Self.isValidRepoID(repo) else { throw HubError.invalidReference(text) }
    self = .hub(repo: String(repo), revision: revision)
  }

  /// Hub ids as huggingface_hub's `validate_repo_id` accepts them: one or two parts of letters, digits and
  /// `-_.`, not starting or ending with `-` or `.`, without `--` or `..`, at most 96 characters.
  static func isValidRepoID(_ id: Substring) -> Bool {
    let parts = id.split(separator: "/", omittingEmptySubsequences: false)
    guard (1...2).contains(parts.count), id.count <= 96, !id.contains("--"), !id.contains("..") else {
      return false
    }
    return parts.allSatisfy { part in
      guard let first = part.first, let last = part.last else { return false }
      let allowed = part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
      return allowed && !"-.".contains(first) && !"-.".contains(last)
    }
  }
}

extension ModelReference {
  /// Directories are equal when their standardized paths are (a trailing slash or `./` does not matter).
  public static func == (lhs: Self, rhs: Self) -> Bool {
    switch (lhs, rhs) {
    case (.directory(let a), .directory(let b)): return a.standardizedFileURL.path == b.standardizedFileURL.path
    case (.hub(let repoA, let revisionA), .hub(let repoB, let revisionB)):
      return repoA == repoB && revisionA == revisionB
    default: return false
    }
  }
}

extension ModelReference: CustomStringConvertible {
  public var description: String {
    switch self {
    case .directory(let url): return url.path
    case .hub(let repo, let revision): return revision == "main" ? repo : "\(repo)@\(revision)"
    }
  }
}
