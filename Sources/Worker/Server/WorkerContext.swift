import Foundation
import ImageCodecs
import JSONRPC
import Models
import PersistentStore

/// What methods run against: the configuration, the model's lifecycle, the cache, and the helpers that
/// turn inputs into embeddings through the cache and the batcher.
final class WorkerContext: Sendable {
  let configuration: WorkerConfiguration
  let modelState = ModelState()
  let cache: EmbeddingCache
  /// The persistent store behind the cache (`--store`), nil when off.
  let store: PersistentStore?
  /// The store identity of each checkpoint directory (`ModelFingerprint`), computed once.
  private let storeIdentities = Locked<[String: String]>([:])
  /// `$/progress` notifications of the model's download, once `initialize` asked for them.
  let progress: ProgressNotifier
  /// The named collections of `index` and `search`: in `<store>/collections`, or in memory with `--store none`.
  let collections: CollectionStore
  private let decode: ImageDecoder
  /// Reading, hashing and decoding image files: CPU and I/O work kept off Swift concurrency's threads.
  private let inputQueue: OperationQueue

  init(
    configuration: WorkerConfiguration, decode: @escaping ImageDecoder, progress: ProgressNotifier,
    logger: Logger = .silent
  ) {
    self.configuration = configuration
    if let directory = configuration.storeDirectory {
      let logged = Locked(false)
      store = PersistentStore.open(
        directory: URL(fileURLWithPath: directory), capacityBytes: configuration.storeCapacityBytes
      ) { message in
        // The store's first message only: a read-only or damaged store must not flood the log.
        if logged.withLock({ done in defer { done = true }; return !done }) { logger.log(.warning, "store: \(message)") }
      }
    } else {
      store = nil
    }
    self.progress = progress
    collections = CollectionStore(directory: configuration.storeDirectory.map { $0 + "/collections" })
    self.decode = decode
    cache = EmbeddingCache(capacityBytes: configuration.cacheCapacityBytes)
    inputQueue = OperationQueue()
    inputQueue.name = "clip-worker.inputs"
    inputQueue.maxConcurrentOperationCount = max(1, configuration.threads)
  }

  /// Embeddings for `texts`. The ones neither cached nor being computed go to the batcher together, so
  /// that they run in one pass (a text submitted alone would start a pass of one, the rest queued behind it).
  func textEmbeddings(_ texts: [String], loaded: LoadedModel) async throws -> [(vector: [Float], cached: EmbeddingSource)] {
    let batcher = loaded.batcher
    let keys = texts.map { CacheKey.text($0, model: loaded.info.cacheIdentity) }
    let fromStore = Locked(Set<Int>())
    let results = await cache.embeddings(for: keys) { [self] indices in
      await throughStore(indices, keys: keys, loaded: loaded, fromStore: fromStore) { missing in
        await batcher.embed(texts: missing.map { texts[$0] }).map { .success($0) }
      }
    }
    let stored = fromStore.withLock { $0 }
    return try results.enumerated().map { index, result in
      let (vector, cached) = try result.get()
      return (vector, cached ? .memory : stored.contains(index) ? .store : .computed)
    }
  }

  /// Embeddings for `images`. Inline data is decoded first: malformed base64 or a bad `data:` URI fails the
  /// call with `invalidInput` (-32602) before any file is read. Then files are read (as the path policy allows)
  /// and hashed concurrently; the images neither cached nor being computed are decoded concurrently and go to
  /// the batcher together, to run in one pass. The first failing input (by index) fails the whole call with
  /// `inputFailed` (or `pathNotAllowed`) naming it; the others are still computed and cached.
  func imageEmbeddings(
    _ images: [ImageInput], param: String, loaded: LoadedModel
  ) async throws -> [(vector: [Float], cached: EmbeddingSource)] {
    let outcomes = try await imageEmbeddingOutcomes(images, param: param, loaded: loaded)
    return try outcomes.map { outcome in try outcome.get().embedding }
  }

  /// As `imageEmbeddings`, with each input's own outcome (the embedding and the SHA-256 of the file's bytes, or the
  /// `RPCError` that `imageEmbeddings` would fail with), for `index`, where one bad file must not fail the rest.
  /// Malformed inline data still fails the call.
  func imageEmbeddingOutcomes(
    _ images: [ImageInput], param: String, loaded: LoadedModel
  ) async throws -> [Result<(embedding: (vector: [Float], cached: EmbeddingSource), sha256: String), Error>] {
    let modelID = loaded.info.cacheIdentity
    let maxFileBytes = configuration.maxImageFileBytes
    let policy = configuration.pathPolicy
    var inline = [[UInt8]?](repeating: nil, count: images.count)
    for (index, image) in images.enumerated() {
      guard case let .data(text) = image else { continue }
      do { inline[index] = try ImageInput.decodeData(text) } catch {
        throw RPCError.invalidInput(param: param, index: index, input: image.summary, reason: error.description)
      }
    }
    let decodedInline = inline
    // Read and hashed in one hop to the input queue: for images already stored, these two are the whole cost.
    let read = await concurrently(images.count) { index in
      try await self.offload {
        let bytes = try decodedInline[index] ?? images[index].bytes(maxFileBytes: maxFileBytes, policy: policy)
        return (bytes: bytes, key: CacheKey.image(bytes: bytes, model: modelID))
      }
    }
    var readable: [(index: Int, bytes: [UInt8], key: CacheKey)] = []
    for case let (index, .success(file)) in read.enumerated() { readable.append((index, file.bytes, file.key)) }
    let files = readable.map(\.bytes)
    let keys = readable.map(\.key)
    let fromStore = Locked(Set<Int>())
    let embedded = await cache.embeddings(for: keys) { [self] indices in
      await throughStore(indices, keys: keys, loaded: loaded, fromStore: fromStore) { missing in
        await embedDecoded(missing.map { files[$0] }, batcher: loaded.batcher)
      }
    }
    let stored = fromStore.withLock { $0 }
    var outcomes = read.map { read in
      read.map { file in (embedding: (vector: [Float](), cached: EmbeddingSource.computed), sha256: file.key.content) }
    }
    for (position, (file, outcome)) in zip(readable, embedded).enumerated() {
      outcomes[file.index] = outcome.map { vector, cached in
        let source: EmbeddingSource = cached ? .memory : stored.contains(position) ? .store : .computed
        return (embedding: (vector, source), sha256: file.key.content)
      }
    }
    return outcomes.enumerated().map { index, outcome in
      outcome.mapError { error in
        guard let error = error as? InputError else { return error }
        let input = images[index].summary
        switch error {
        case .pathNotAllowed:
          return RPCError.pathNotAllowed(param: param, index: index, input: input, reason: error.description)
        case let .requestPixelsExceeded(total, limit):
          return RPCError.limitExceeded("maxRequestPixels", limit: limit, found: total)
        default:
          return RPCError.inputFailed(param: param, index: index, input: input, reason: error.description)
        }
      }
    }
  }

  /// The results for `indices` (of `keys`): from the persistent store where it holds them (those indices are
  /// added to `fromStore`), the rest computed by `compute` (given their indices) and then inserted into the store.
  private func throughStore(
    _ indices: [Int], keys: [CacheKey], loaded: LoadedModel, fromStore: Locked<Set<Int>>,
    compute: ([Int]) async -> [Result<[Float], Error>]
  ) async -> [Result<[Float], Error>] {
    guard let store else { return await compute(indices) }
    let identity = storeIdentity(of: loaded)
    let storeKeys = indices.map { StoreKey.bytes(for: keys[$0], identity: identity) }
    let stored = storeKeys.map { store.vector(for: $0) }
    var results = stored.map { $0.map { Result<[Float], Error>.success($0) } }
    let found = zip(indices, stored).compactMap { $1 == nil ? nil : $0 }
    fromStore.withLock { $0.formUnion(found) }
    let missing = stored.indices.filter { stored[$0] == nil }
    guard !missing.isEmpty else { return results.map { $0! } }
    let computed = await compute(missing.map { indices[$0] })
    for (position, result) in zip(missing, computed) {
      results[position] = result
      if case let .success(vector) = result { store.insert(vector, for: storeKeys[position]) }
    }
    return results.map { $0! }
  }

  /// What the store keys a model's entries by (README "Persistent store"): `cacheIdentity` (the id or path, and the
  /// precision), the checkpoint directory's fingerprint, the worker's version and the CPU architecture (a new
  /// version or another instruction set may round differently, so its vectors are not taken for this one's).
  func storeIdentity(of loaded: LoadedModel) -> String {
    let path = loaded.info.path
    let fingerprint = storeIdentities.withLock { $0[path] } ?? {
      let computed = ModelFingerprint.of(directory: path)
      storeIdentities.withLock { $0[path] = computed }
      return computed
    }()
    return "\(loaded.info.cacheIdentity)#\(fingerprint)#\(WorkerVersion.current)#\(StoreKey.architecture)"
  }

  /// Seals the store's active segment so that the next start reads its hint instead of scanning it; later inserts
  /// are dropped. Called when the process is about to end.
  func closeStore() { store?.close() }

  /// Decodes `files` concurrently and embeds the decodable ones in one submission to the batcher.
  private func embedDecoded(_ files: [[UInt8]], batcher: Batcher) async -> [Result<[Float], Error>] {
    var limits = configuration.imageLimits
    let maxRequestPixels = configuration.requestLimits.maxPixels
    // No one image may be over the request's total either: refused from its header, before it is decoded.
    limits.maxPixels = min(limits.maxPixels, maxRequestPixels)
    let decode = self.decode
    let checkedLimits = limits
    let decoded = await concurrently(files.count) { index in
      try await self.offload {
        do { return try decode(files[index], checkedLimits) } catch {
          throw InputError.undecodable(ImageDecodingMessage.describe(error))
        }
      }
    }
    let images = decoded.compactMap { try? $0.get() }
    let totalPixels = images.reduce(0) { $0 + $1.width * $1.height }
    if totalPixels > maxRequestPixels {
      return decoded.map { _ in .failure(InputError.requestPixelsExceeded(totalPixels, limit: maxRequestPixels)) }
    }
    let embeddings = await batcher.embed(images: images)
    var next = 0
    return decoded.map { outcome in
      outcome.map { _ in
        defer { next += 1 }
        return embeddings[next]
      }
    }
  }

  /// `work(index)` for every index below `count`, run concurrently; the outcomes in index order.
  private func concurrently<T: Sendable>(
    _ count: Int, _ work: @escaping @Sendable (Int) async throws -> T
  ) async -> [Result<T, Error>] {
    await withTaskGroup(of: (Int, Result<T, Error>).self) { group in
      for index in 0..<count {
        group.addTask {
          do { return (index, .success(try await work(index))) } catch { return (index, .failure(error)) }
        }
      }
      var outcomes = [Result<T, Error>?](repeating: nil, count: count)
      for await (index, outcome) in group { outcomes[index] = outcome }
      return outcomes.map { $0! }  // the group answers every index once
    }
  }

  /// Runs `work` on the input queue and waits for it without holding a Swift concurrency thread.
  private func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      inputQueue.addOperation { continuation.resume(with: Result { try work() }) }
    }
  }
}
