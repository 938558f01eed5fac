import Foundation

/// Turns a `ModelReference` into a local directory holding a complete checkpoint, the way `transformers`'
/// `from_pretrained` does: a directory is checked and used; a Hub id is looked up in the Hub cache and, when
/// the cache cannot provide it and offline mode is off, downloaded into that cache.
///
/// A complete snapshot already in the cache for the revision is used without touching the network (so a
/// branch such as `main` is not re-checked for new commits once cached). Downloads fetch only the files the
/// worker reads (see `CheckpointFiles`), all from the commit the revision pointed to when `config.json` was
/// asked for, so a snapshot never mixes commits.
public struct ModelResolver: Sendable {
  /// The files to fetch and require besides config.json and the weights: the model family's.
  public var files: CheckpointFileChooser
  public var configuration: HubConfiguration

  public init(files: @escaping CheckpointFileChooser, configuration: HubConfiguration = .fromEnvironment()) {
    self.files = files
    self.configuration = configuration
  }

  /// The directory to load the model from (for a Hub id: `<cache>/models--org--name/snapshots/<commit>`).
  /// - Parameter progress: called on a background queue while a file downloads; never called when nothing is
  ///   downloaded.
  /// - Throws: `HubError`; offline with an incomplete cache is `.offlineAndMissing` listing what lacks.
  public func resolve(_ reference: ModelReference, progress: ((DownloadProgress) -> Void)? = nil) throws -> URL {
    switch reference {
    case .directory(let url):
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw HubError.directoryNotFound(path: url.path)
      }
      try CheckpointFiles.validate(directory: url, files: files)
      return url
    case .hub(let repo, let revision):
      let cache = RepoCache(cacheDirectory: configuration.cacheDirectory, repo: repo)
      if let snapshot = try cachedSnapshot(cache, revision: revision) { return snapshot }
      let client = HubHTTPClient(endpoint: configuration.endpoint, token: configuration.token,
                                 timeout: configuration.timeout)
      let download = HubDownload(
        repo: repo, revision: revision, cache: cache, client: client, files: files, progress: progress)
      return try download.run()
    }
  }

  /// The cached snapshot when complete; nil when it lacks files and downloading is allowed.
  /// - Throws: `.offlineAndMissing` when offline and the cache cannot provide the model.
  private func cachedSnapshot(_ cache: RepoCache, revision: String) throws -> URL? {
    var missing = try [CheckpointFiles.config] + files(nil).required.map(\.name) + [CheckpointFiles.weightsRequirement]
    if let commit = cache.commit(for: revision) {
      let snapshot = cache.snapshot(commit: commit)
      if FileManager.default.fileExists(atPath: snapshot.path) {
        do {
          try CheckpointFiles.validate(directory: snapshot, files: files)
          return snapshot
        } catch HubError.missingFiles(_, let files) {
          missing = files
        }
      }
    }
    guard !configuration.offline else {
      throw HubError.offlineAndMissing(repo: cache.repo, revision: revision, files: missing)
    }
    return nil
  }
}
