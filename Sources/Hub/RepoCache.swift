import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One repository's folder in the hub cache, laid out exactly as huggingface_hub lays it out:
///
///     models--org--name/
///       refs/<revision>               the commit hash the revision pointed to when last resolved
///       blobs/<etag>                  file contents, named by ETag (sha256 for LFS files, git sha1 otherwise)
///       blobs/<etag>.incomplete       a download in progress; renamed to blobs/<etag> only when complete
///       snapshots/<commit>/<file>     relative symlink to ../../blobs/<etag>
///       .no_exist/<commit>/<file>     empty marker: the file does not exist at that commit
///
/// so a cache written by Python `transformers` is read here, and one written here is read by Python.
struct RepoCache {
  let repo: String
  let cacheDirectory: URL
  let root: URL
  private let files = FileManager.default

  init(cacheDirectory: URL, repo: String) {
    self.repo = repo
    self.cacheDirectory = cacheDirectory
    root = cacheDirectory.appendingPathComponent(Self.folderName(repo: repo), isDirectory: true)
  }

  /// `org/name` → `models--org--name` (huggingface_hub's `repo_folder_name` for model repos).
  static func folderName(repo: String) -> String {
    "models--" + repo.replacingOccurrences(of: "/", with: "--")
  }

  /// A full 40-hex-digit commit hash, which a revision may be directly.
  static func isCommitHash(_ revision: String) -> Bool {
    revision.utf8.count == 40 && revision.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
  }

  /// The commit a revision resolves to in the cache: `refs/<revision>` when present, else the revision itself
  /// when it is a commit hash (as `try_to_load_from_cache` does); nil when the cache knows nothing of it.
  func commit(for revision: String) -> String? {
    let ref = root.appendingPathComponent("refs").appendingPathComponent(revision)
    if let text = try? String(contentsOf: ref, encoding: .utf8) {
      let commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
      if !commit.isEmpty { return commit }
    }
    return Self.isCommitHash(revision) ? revision : nil
  }

  func snapshot(commit: String) -> URL {
    root.appendingPathComponent("snapshots").appendingPathComponent(commit, isDirectory: true)
  }

  func blob(etag: String) -> URL {
    root.appendingPathComponent("blobs").appendingPathComponent(etag)
  }

  func incompleteBlob(etag: String) -> URL {
    root.appendingPathComponent("blobs").appendingPathComponent(etag + ".incomplete")
  }

  /// Records which commit a branch or tag pointed to (skipped when the revision is that commit).
  func writeRef(revision: String, commit: String) throws {
    guard revision != commit else { return }
    let ref = root.appendingPathComponent("refs").appendingPathComponent(revision)
    try perform(at: ref) {
      try files.createDirectory(at: ref.deletingLastPathComponent(), withIntermediateDirectories: true)
      // Write-then-rename so a reader never sees a half-written hash.
      try Data(commit.utf8).write(to: ref, options: .atomic)
    }
  }

  /// True when `snapshots/<commit>/<file>` exists and leads to a complete blob (a dangling link does not count).
  func hasFile(_ file: String, commit: String) -> Bool {
    files.fileExists(atPath: snapshot(commit: commit).appendingPathComponent(file).path)
  }

  /// Points `snapshots/<commit>/<file>` at `blobs/<etag>` with a relative symlink, replacing an older link.
  func link(file: String, commit: String, etag: String) throws {
    let pointer = snapshot(commit: commit).appendingPathComponent(file)
    // From snapshots/<commit>/<dirs of file> back up to the repo folder: one `..` per component, plus one.
    let depth = file.split(separator: "/").count + 1
    let target = String(repeating: "../", count: depth) + "blobs/" + etag
    try perform(at: pointer) {
      try files.createDirectory(at: pointer.deletingLastPathComponent(), withIntermediateDirectories: true)
      // Link under a unique name, then rename over the pointer: rename(2) replaces atomically, so concurrent
      // resolvers never see a missing link or fail on one another's.
      let temporary = pointer.deletingLastPathComponent().appendingPathComponent(".\(UUID().uuidString).link")
      try files.createSymbolicLink(atPath: temporary.path, withDestinationPath: target)
      guard rename(temporary.path, pointer.path) == 0 else {
        let message = String(cString: strerror(errno))
        try? files.removeItem(at: temporary)
        throw HubError.cache(path: pointer.path, message: message)
      }
    }
  }

  /// Remembers that `file` does not exist at `commit`, so later runs (and offline runs) need not ask.
  func markMissing(_ file: String, commit: String) throws {
    let marker = root.appendingPathComponent(".no_exist").appendingPathComponent(commit).appendingPathComponent(file)
    try perform(at: marker) {
      try files.createDirectory(at: marker.deletingLastPathComponent(), withIntermediateDirectories: true)
      if !files.fileExists(atPath: marker.path) { try Data().write(to: marker) }
    }
  }

  func isKnownMissing(_ file: String, commit: String) -> Bool {
    files.fileExists(atPath: root.appendingPathComponent(".no_exist").appendingPathComponent(commit)
      .appendingPathComponent(file).path)
  }

  /// Runs a file system step, turning Foundation's error into `HubError.cache` naming the path.
  func perform(at url: URL, _ body: () throws -> Void) throws {
    do { try body() } catch let error as HubError { throw error } catch {
      throw HubError.cache(path: url.path, message: error.localizedDescription)
    }
  }
}
