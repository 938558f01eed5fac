import Foundation
import ImageCodecs
import JSONRPC

/// What methods run against: the configuration, the model's lifecycle, the cache, and the helpers that
/// turn inputs into embeddings through the cache and the batcher.
final class WorkerContext: Sendable {
  let configuration: WorkerConfiguration
  let modelState = ModelState()
  let store: EmbeddingStore
  /// `$/progress` notifications of the model's download, once `initialize` asked for them.
  let progress: ProgressNotifier
  private let decode: ImageDecoder
  /// Reading, hashing and decoding image files: CPU and I/O work kept off Swift concurrency's threads.
  private let inputQueue: OperationQueue

  init(configuration: WorkerConfiguration, decode: @escaping ImageDecoder, progress: ProgressNotifier) {
    self.configuration = configuration
    self.progress = progress
    self.decode = decode
    store = EmbeddingStore(capacityBytes: configuration.cacheCapacityBytes)
    inputQueue = OperationQueue()
    inputQueue.name = "clip-worker.inputs"
    inputQueue.maxConcurrentOperationCount = max(1, configuration.threads)
  }

  /// Embeddings for `texts`, all submitted at once so that the batcher can put them in one pass.
  func textEmbeddings(_ texts: [String], loaded: LoadedModel) async throws -> [(vector: [Float], cached: Bool)] {
    let modelID = loaded.info.id
    let batcher = loaded.batcher
    return try await withThrowingTaskGroup(of: (Int, [Float], Bool).self) { group in
      for (index, text) in texts.enumerated() {
        group.addTask {
          let result = try await self.store.embedding(for: .text(text, model: modelID)) {
            await batcher.embed(text: text)
          }
          return (index, result.vector, result.cached)
        }
      }
      var results = [(vector: [Float], cached: Bool)](repeating: ([], false), count: texts.count)
      for try await (index, vector, cached) in group { results[index] = (vector, cached) }
      return results
    }
  }

  /// Embeddings for `images`. The first failing input (by index) fails the whole call with `inputFailed`
  /// naming it; the others are still computed and cached.
  func imageEmbeddings(
    _ images: [ImageInput], param: String, loaded: LoadedModel
  ) async throws -> [(vector: [Float], cached: Bool)] {
    let modelID = loaded.info.id
    let batcher = loaded.batcher
    let limits = configuration.imageLimits
    let decode = self.decode
    let maxFileBytes = configuration.maxImageFileBytes
    let outcomes = await withTaskGroup(of: (Int, Result<([Float], Bool), Error>).self) { group in
      for (index, input) in images.enumerated() {
        group.addTask {
          do {
            let bytes = try await self.offload { try input.bytes(maxFileBytes: maxFileBytes) }
            let key = try await self.offload { CacheKey.image(bytes: bytes, model: modelID) }
            let result = try await self.store.embedding(for: key) {
              let image = try await self.offload {
                do { return try decode(bytes, limits) } catch { throw InputError.undecodable("\(error)") }
              }
              return await batcher.embed(image: image)
            }
            return (index, .success((result.vector, result.cached)))
          } catch {
            return (index, .failure(error))
          }
        }
      }
      var outcomes = [Result<([Float], Bool), Error>?](repeating: nil, count: images.count)
      for await (index, outcome) in group { outcomes[index] = outcome }
      return outcomes
    }
    return try outcomes.enumerated().map { index, outcome in
      switch outcome {
      case let .success((vector, cached))?: return (vector, cached)
      case let .failure(error as InputError)?:
        throw RPCError.inputFailed(param: param, index: index, input: images[index].summary, reason: error.description)
      case let .failure(error)?: throw error
      case nil: throw RPCError.internalError("no result for \(param)[\(index)]")
      }
    }
  }

  /// Runs `work` on the input queue and waits for it without holding a Swift concurrency thread.
  private func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      inputQueue.addOperation { continuation.resume(with: Result { try work() }) }
    }
  }
}
