import Foundation
import JSONRPC

/// `index {collection, images, folder: {path, recursive = true, extensions}}`: records path → embedding in the named
/// collection (made if new) for the files given and the image files found in the folder, and returns
/// `{added, updated, removed, unchanged, failed: [{path, reason}]}`.
///
/// A file whose size, modification time, inode and ctime are those recorded is unchanged and is not read (why that
/// is safe enough: `FileStamp`). Any other is read,
/// hashed and embedded as `encodeImage` does it (through the cache and the store, so a file seen before costs a
/// hash); same bytes as recorded: unchanged; else updated (or added). Entries under the folder (directly in it unless
/// `recursive`) whose files are no longer found are removed, as are those of files that fail. Folder files are
/// recorded by absolute path; inline `data` by `sha256:<hex>`. Hidden files and folders (`.name`) are skipped.
///
/// Clients that asked for progress get `$/progress {token: "index", collection, done, total}` about every 250 ms
/// and at the end. On `$/cancelRequest` the files indexed so far are saved, then the request answers -32800.
struct Index: Method {
  static let name = "index"
  static let defaultExtensions: Set<String> = ["png", "jpg", "jpeg", "gif", "bmp"]
  /// Files embedded per submission: enough for the batcher to fill its passes, few enough for timely progress and
  /// cancellation.
  static let chunk = 16
  /// How often a long `index` saves what it has so far.
  static let checkpointInterval: TimeInterval = 10

  struct Folder {
    var path: String
    var recursive = true
    var extensions = Index.defaultExtensions
  }

  struct Params: MethodParams {
    static let accepted: Set<String> = ["collection", "images", "folder"]

    var collection: String
    var images: [ImageInput]
    var folder: Folder?

    init(params: JSONValue?) throws(RPCError) {
      let reader = try ParamsReader(params, accepted: Self.accepted)
      collection = try reader.collectionName("collection")
      images = try reader.optional("images") ?? []
      if let value: JSONValue = try reader.optional("folder") { folder = try Self.folder(value) }
      guard !images.isEmpty || folder != nil else { throw .invalidParams("give images, folder or both") }
    }

    private static func folder(_ value: JSONValue) throws(RPCError) -> Folder {
      let reader = try ParamsReader(value, accepted: ["path", "recursive", "extensions"])
      var folder = Folder(path: try reader.required("path"))
      folder.recursive = try reader.optional("recursive") ?? folder.recursive
      if let extensions: [String] = try reader.optional("extensions") {
        folder.extensions = Set(extensions.map { ($0.hasPrefix(".") ? String($0.dropFirst()) : $0).lowercased() })
        guard !folder.extensions.isEmpty else { throw .invalidParams("folder.extensions must not be empty") }
      }
      return folder
    }
  }

  /// One input's embedding and the SHA-256 of its bytes, or why it failed.
  typealias Outcome = Swift.Result<(embedding: (vector: [Float], cached: EmbeddingSource), sha256: String), Error>

  /// One file to embed: where it is recorded, how it is read, its stamp before it was read, and whether that stamp
  /// may be trusted by the next `index` (`FileStamp.isSettled`).
  private struct Pending {
    var path: String?
    var input: ImageInput
    var stamp: FileStamp?
    var settled = false
  }

  private struct Counts {
    var added = 0, updated = 0, removed = 0, unchanged = 0
    var failed: [(path: String, reason: String)] = []
    var json: JSONValue {
      [
        "added": JSONValue(added), "updated": JSONValue(updated), "removed": JSONValue(removed),
        "unchanged": JSONValue(unchanged),
        "failed": .array(failed.map { ["path": .string($0.path), "reason": .string($0.reason)] }),
      ]
    }
  }

  static func run(_ params: Params, in context: WorkerContext) async throws -> JSONValue {
    let loaded = try await context.modelState.model()
    let identity = context.storeIdentity(of: loaded)
    let name = params.collection
    do {
      return try await context.collections.whileWriting(name) {
        var collection: EmbeddingCollection
        do {
          collection = try context.collections.collection(name)
            ?? EmbeddingCollection(
              identity: identity, model: loaded.info.id, dimension: loaded.info.properties.embeddingDimension)
        } catch let error as CollectionError { throw RPCError.collection(error) }
        try context.checkModel(of: collection, named: name, loaded: loaded)
        var counts = Counts()
        var changed = false
        var pending: [Pending] = []
        var seen = Set<String>()
        func consider(_ path: String, input: ImageInput, stamp: FileStamp?) {
          seen.insert(path)
          if let stamp, let entry = collection.entries[path], entry.changed != 0, entry.size == stamp.size,
            entry.modified == stamp.modified, entry.inode == stamp.inode, entry.changed == stamp.changed
          {
            counts.unchanged += 1
          } else {
            let settled = stamp?.isSettled(at: Date().timeIntervalSince1970) ?? false
            pending.append(Pending(path: path, input: input, stamp: stamp, settled: settled))
          }
        }
        for image in params.images {
          switch image {
          case let .path(given):
            let path = (PathPolicy.absolute(given) as NSString).standardizingPath
            consider(path, input: image, stamp: FileStamp(path: path))
          case .data: pending.append(Pending(path: nil, input: image, stamp: nil))
          }
        }
        if let folder = params.folder {
          let (root, files) = try listFolder(folder, policy: context.configuration.pathPolicy)
          for path in files { consider(path, input: .path(path), stamp: FileStamp(path: path)) }
          for path in collection.entries.keys where path.hasPrefix(root + "/") && !seen.contains(path) {
            guard folder.recursive || !path.dropFirst(root.count + 1).contains("/") else { continue }
            collection.entries[path] = nil
            counts.removed += 1
            changed = true
          }
        }
        let total = counts.unchanged + pending.count
        var lastReport = Date.distantPast
        func report(force: Bool = false) {
          let now = Date()
          guard force || now.timeIntervalSince(lastReport) >= 0.25 else { return }
          lastReport = now
          context.progress.notify([
            "token": "index", "collection": .string(name),
            "done": JSONValue(counts.unchanged + counts.added + counts.updated + counts.failed.count),
            "total": JSONValue(total),
          ])
        }
        report()
        var cancelled = false
        var lastSave = Date()
        var start = 0
        while start < pending.count {
          if Task.isCancelled { cancelled = true; break }
          let batch = Array(pending[start..<min(start + chunk, pending.count)])
          start += batch.count
          for (item, outcome) in zip(batch, try await embed(batch, in: context, loaded: loaded)) {
            if case let .failure(error) = outcome, error is CancellationError || Task.isCancelled {
              cancelled = true
              continue
            }
            changed = record(item, outcome, in: &collection, counts: &counts) || changed
          }
          report()
          if cancelled { break }
          // A long run is saved now and then, so that a crash or an exit loses at most `checkpointInterval`.
          if changed, Date().timeIntervalSince(lastSave) >= checkpointInterval {
            collection.updated = Date().timeIntervalSince1970
            do { try context.collections.save(collection, as: name) } catch let error as CollectionError {
              throw RPCError.collection(error)
            }
            lastSave = Date()
          }
        }
        if changed {
          collection.updated = Date().timeIntervalSince1970
          do { try context.collections.save(collection, as: name) } catch let error as CollectionError {
            throw RPCError.collection(error)
          }
        }
        report(force: true)
        if cancelled { throw CancellationError() }
        return counts.json
      }
    } catch let error as CollectionError {
      throw RPCError.collection(error)
    }
  }

  /// The outcome of each of `batch`, through `imageEmbeddingOutcomes`; if the batch as a whole is over
  /// `maxRequestPixels`, each image alone.
  private static func embed(
    _ batch: [Pending], in context: WorkerContext, loaded: LoadedModel
  ) async throws -> [Outcome] {
    let inputs = batch.map(\.input)
    let outcomes = try await context.imageEmbeddingOutcomes(inputs, param: "images", loaded: loaded)
    let overTotal = outcomes.contains { outcome in
      if case let .failure(error as RPCError) = outcome { return error.data?["limit"] == "maxRequestPixels" }
      return false
    }
    guard overTotal, batch.count > 1 else { return outcomes }
    var single: [Outcome] = []
    for input in inputs { single += try await context.imageEmbeddingOutcomes([input], param: "images", loaded: loaded) }
    return single
  }

  /// Records one file's outcome; whether the collection changed.
  private static func record(
    _ item: Pending, _ outcome: Outcome,
    in collection: inout EmbeddingCollection, counts: inout Counts
  ) -> Bool {
    switch outcome {
    case let .failure(error):
      let reason = (error as? RPCError).map { $0.data?["reason"]?.stringValue ?? $0.message } ?? "\(error)"
      let path = item.path ?? item.input.summary.description
      counts.failed.append((path, reason))
      guard let recorded = item.path, collection.entries.removeValue(forKey: recorded) != nil else { return false }
      counts.removed += 1
      return true
    case let .success((embedding, sha256)):
      let path = item.path ?? "sha256:\(sha256)"
      let vector = SearchQuery.normalized(embedding.vector) ?? embedding.vector
      let entry = EmbeddingCollection.Entry(
        sha256: sha256, size: item.stamp?.size ?? -1, modified: item.stamp?.modified ?? 0, vector: vector,
        inode: item.stamp?.inode ?? 0, changed: item.settled ? item.stamp?.changed ?? 0 : 0)
      if let old = collection.entries[path] {
        if old.sha256 == sha256 { counts.unchanged += 1 } else { counts.updated += 1 }
        if old == entry { return false }
      } else {
        counts.added += 1
      }
      collection.entries[path] = entry
      return true
    }
  }

  /// The folder's absolute path and its image files (absolute, sorted), after the path policy allowed the folder.
  private static func listFolder(_ folder: Folder, policy: PathPolicy) throws(RPCError) -> (String, [String]) {
    let root = (PathPolicy.absolute(folder.path) as NSString).standardizingPath
    do { try policy.checkBeforeOpening(folder.path) } catch {
      throw RPCError(
        code: RPCError.Code.pathNotAllowed, message: "folder.path: \(error.description)",
        data: ["param": "folder.path", "input": .string(folder.path), "reason": .string(error.description)])
    }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw .invalidParams("folder.path is not a directory: \(folder.path)")
    }
    let relative: [String]
    if folder.recursive {
      relative = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String]) ?? []
    } else {
      relative = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
    }
    let files = relative.filter { path in
      !path.split(separator: "/").contains { $0.hasPrefix(".") }
        && folder.extensions.contains((path as NSString).pathExtension.lowercased())
    }.map { root + "/" + $0 }
    return (root, files.sorted())
  }
}
