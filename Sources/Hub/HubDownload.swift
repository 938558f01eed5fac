import Foundation

/// One download of a repository's checkpoint files into the Hub cache (what `snapshot_download` would do,
/// restricted to the files the worker reads).
///
/// Each file: a HEAD on `{endpoint}/{repo}/resolve/{commit}/{file}` gives the commit (`X-Repo-Commit`), the
/// blob name (`X-Linked-Etag`, else `ETag`) and the size (`X-Linked-Size`, else `Content-Length`); the body
/// goes to `blobs/<etag>.incomplete`, resumed with `Range` when a previous run left one, and is renamed to
/// `blobs/<etag>` only when it has the announced size; then `snapshots/<commit>/<file>` links to it.
struct HubDownload {
  let repo: String
  let revision: String
  let cache: RepoCache
  let client: HubHTTPClient
  let files: CheckpointFileChooser
  let progress: ((DownloadProgress) -> Void)?

  /// What a HEAD says about a file that exists.
  struct Metadata {
    var commit: String
    var etag: String
    var size: Int64?
  }

  /// Downloads what the cache lacks and returns the snapshot directory.
  func run() throws -> URL {
    // config.json pins the commit; every other file is asked for at that commit.
    guard let config = try metadata(CheckpointFiles.config, revision: revision) else {
      throw HubError.missingFiles(location: "\(repo)@\(revision)", files: [CheckpointFiles.config])
    }
    let commit = config.commit
    let snapshot = cache.snapshot(commit: commit)
    try cache.writeRef(revision: revision, commit: commit)
    if !cache.hasFile(CheckpointFiles.config, commit: commit) {
      try store(CheckpointFiles.config, metadata: config)
    }
    // The family the config names decides the rest; a missing requirement fails before the weights download.
    let set = try files(Array(try Data(contentsOf: snapshot.appendingPathComponent(CheckpointFiles.config))))
    var present = Set<String>()
    for file in set.candidates where try fetch(file, commit: commit) { present.insert(file) }
    for requirement in set.required where !requirement.isMet({ present.contains($0) }) {
      throw HubError.missingFiles(location: "\(repo)@\(commit)", files: [requirement.name])
    }
    // Safetensors when the repository has them, else the pickled weights (the pickle is fetched only then).
    if try !fetch(CheckpointFiles.weights, commit: commit) {
      let indexes = [CheckpointFiles.shardIndex, CheckpointFiles.pickledWeights, CheckpointFiles.pickledShardIndex]
      guard let found = try indexes.first(where: { try fetch($0, commit: commit) }) else {
        throw HubError.missingFiles(location: "\(repo)@\(commit)", files: [CheckpointFiles.weightsRequirement])
      }
      let index = snapshot.appendingPathComponent(found)
      let shards = found == CheckpointFiles.pickledWeights
        ? [] : try CheckpointFiles.shardNames(indexAt: index, location: "\(repo)@\(commit)")
      for shard in shards {
        guard try fetch(shard, commit: commit) else {
          throw HubError.missingFiles(location: "\(repo)@\(commit)", files: [shard])
        }
      }
    }
    let missing = try CheckpointFiles.missingFiles(in: snapshot, files: files)
    guard missing.isEmpty else { throw HubError.missingFiles(location: "\(repo)@\(commit)", files: missing) }
    return snapshot
  }

  /// Makes `file` present in the snapshot; false when the repository does not have it at `commit`.
  private func fetch(_ file: String, commit: String) throws -> Bool {
    if cache.hasFile(file, commit: commit) { return true }
    if cache.isKnownMissing(file, commit: commit) { return false }
    guard let found = try metadata(file, revision: commit) else {
      try cache.markMissing(file, commit: commit)
      return false
    }
    try store(file, metadata: Metadata(commit: commit, etag: found.etag, size: found.size))
    return true
  }

  /// The HEAD answer for `file` at `revision`; nil when the Hub says the file does not exist.
  private func metadata(_ file: String, revision: String) throws -> Metadata? {
    let url = resolveURL(file, revision: revision)
    let head = try client.head(url)
    guard (200...399).contains(head.status) else {
      if let failure = failure(head, revision: revision) { throw failure }
      return nil
    }
    guard let commit = head.header("X-Repo-Commit"), !commit.isEmpty else {
      throw HubError.missingHeader(name: "X-Repo-Commit", url: url.absoluteString)
    }
    guard let etag = (head.header("X-Linked-Etag") ?? head.header("ETag")).map(Self.normalizeETag),
          !etag.isEmpty, !etag.contains("/"), !etag.hasPrefix(".") else {
      throw HubError.missingHeader(name: "ETag", url: url.absoluteString)
    }
    // A redirect's own Content-Length is that of its (empty) body, not of the file.
    let bodyLength = (200...299).contains(head.status) ? head.header("Content-Length") : nil
    let sizeText = head.header("X-Linked-Size") ?? bodyLength
    return Metadata(commit: commit, etag: etag, size: sizeText.flatMap { Int64($0) })
  }

  /// The error an HTTP status means, or nil for "this file does not exist" (a 404 on the file itself).
  private func failure(_ head: HTTPHead, revision: String) -> HubError? {
    let code = head.header("X-Error-Code")
    switch (head.status, code) {
    case (_, "RepoNotFound"?): return .repoNotFound(repo: repo)
    case (_, "RevisionNotFound"?): return .revisionNotFound(repo: repo, revision: revision)
    case (404, _): return nil
    case (401, _), (403, _): return .unauthorized(repo: repo, status: head.status)
    default: return .http(status: head.status, url: head.url.absoluteString)
    }
  }

  /// Ensures `blobs/<etag>` holds the file (downloading or resuming it) and links the snapshot to it.
  private func store(_ file: String, metadata: Metadata) throws {
    let blob = cache.blob(etag: metadata.etag)
    if !FileManager.default.fileExists(atPath: blob.path) {
      let lock = try BlobLock(cacheDirectory: cache.cacheDirectory, repo: repo, etag: metadata.etag)
      // Another process may have completed the blob while we waited for the lock.
      if !FileManager.default.fileExists(atPath: blob.path) {
        try downloadBlob(file, metadata: metadata, to: blob)
      }
      withExtendedLifetime(lock) {}
    }
    try cache.link(file: file, commit: metadata.commit, etag: metadata.etag)
  }

  /// Resumes after a dropped connection this many times in a row, as long as each attempt received bytes
  /// (huggingface_hub's `http_get` does the same with 5).
  static let resumesPerDownload = 5

  private func downloadBlob(_ file: String, metadata: Metadata, to blob: URL) throws {
    let partial = cache.incompleteBlob(etag: metadata.etag)
    try cache.perform(at: partial) {
      try FileManager.default.createDirectory(at: partial.deletingLastPathComponent(),
                                              withIntermediateDirectories: true)
    }
    let reporter = ProgressReporter(file: file, total: metadata.size, progress: progress)
    let url = resolveURL(file, revision: metadata.commit)
    var resumes = 0
    var restarted = false
    while true {
      var offset = Self.fileSize(partial) ?? 0
      if let size = metadata.size, offset > size {
        try? FileManager.default.removeItem(at: partial)
        offset = 0
      }
      let head: HTTPHead
      do {
        head = try client.download(url, to: partial, offset: offset, onBytes: reporter.report)
      } catch HubError.transport(let failedURL, let message) {
        // A connection dropped mid-body: resume from what arrived, unless nothing did.
        guard (Self.fileSize(partial) ?? 0) > offset, resumes < Self.resumesPerDownload else {
          throw HubError.transport(url: failedURL, message: message)
        }
        resumes += 1
        continue
      }
      if head.status == 416 && !restarted {
        // The server cannot serve the rest of a stale partial file: drop it and fetch the file whole.
        try? FileManager.default.removeItem(at: partial)
        restarted = true
        continue
      }
      guard head.status == 200 || head.status == 206 else {
        throw failure(head, revision: metadata.commit)
          ?? HubError.missingFiles(location: "\(repo)@\(metadata.commit)", files: [file])
      }
      let received = Self.fileSize(partial) ?? 0
      if let size = metadata.size, received != size {
        // Too long means the partial file was not this blob's: never resume from it.
        if received > size { try? FileManager.default.removeItem(at: partial) }
        throw HubError.sizeMismatch(file: file, expected: size, received: received)
      }
      try cache.perform(at: blob) {
        if FileManager.default.fileExists(atPath: blob.path) {
          try FileManager.default.removeItem(at: partial)
        } else {
          try FileManager.default.moveItem(at: partial, to: blob)
        }
      }
      reporter.finish(received)
      return
    }
  }


  /// `{endpoint}/{repo}/resolve/{revision}/{file}`, revision quoted whole (`refs/pr/1` → `refs%2Fpr%2F1`) and
  /// the file quoted keeping `/`, as huggingface_hub's `hf_hub_url` builds it.
  func resolveURL(_ file: String, revision: String) -> URL {
    var unreserved = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<"\u{80}"))
    unreserved.insert(charactersIn: "-._~")
    var path = unreserved
    path.insert("/")
    let base = client.endpoint.absoluteString.hasSuffix("/")
      ? String(client.endpoint.absoluteString.dropLast()) : client.endpoint.absoluteString
    let text = base + "/" + repo + "/resolve/"
      + (revision.addingPercentEncoding(withAllowedCharacters: unreserved) ?? revision) + "/"
      + (file.addingPercentEncoding(withAllowedCharacters: path) ?? file)
    return URL(string: text)!
  }

  /// Strips a weak-validator `W/` prefix and the quotes, as huggingface_hub's `_normalize_etag` does.
  static func normalizeETag(_ etag: String) -> String {
    var text = Substring(etag)
    if text.hasPrefix("W/") { text = text.dropFirst(2) }
    return text.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
  }

  static func fileSize(_ url: URL) -> Int64? {
    (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.int64Value
  }
}

/// Forwards byte counts to the caller's progress callback, at most once per 256 KiB plus the first and last.
private final class ProgressReporter: @unchecked Sendable {
  let file: String
  let total: Int64?
  let progress: ((DownloadProgress) -> Void)?
  // Touched only from the session's serial delegate queue, then from the resolver after the transfer.
  private var lastReported: Int64 = -1

  init(file: String, total: Int64?, progress: ((DownloadProgress) -> Void)?) {
    self.file = file
    self.total = total
    self.progress = progress
  }

  func report(_ done: Int64) {
    guard let progress, lastReported < 0 || done - lastReported >= 256 * 1024 else { return }
    lastReported = done
    progress(DownloadProgress(file: file, bytesDone: done, bytesTotal: total))
  }

  func finish(_ done: Int64) {
    guard lastReported != done else { return }
    lastReported = done
    progress?(DownloadProgress(file: file, bytesDone: done, bytesTotal: total))
  }
}
