import Foundation
import Hub
import JSONRPC
import Models

/// Finds a model's checkpoint directory: `resolveFromHub` in the worker, a stand-in in tests. Progress
/// reports go to the closure it is given.
public typealias ModelResolving = @Sendable (
  ModelReference, _ progress: @escaping @Sendable (DownloadProgress) -> Void
) throws -> URL

/// Loads a model from its checkpoint directory: `ModelFamilies.load` in the worker, a stand-in in tests.
public typealias ModelLoading = @Sendable (URL) throws -> any EmbeddingModel

/// The worker's resolver: a directory as it is (checked), a Hub id from the Hub cache or downloaded into it as
/// huggingface_hub would (HF_HUB_CACHE, HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE), fetching the files of the family
/// its config names.
public let resolveFromHub: ModelResolving = { reference, progress in
  try ModelResolver(files: ModelFamilies.files, configuration: .fromEnvironment()).resolve(reference, progress: progress)
}

/// The model's lifecycle: resolving (a Hub id: from the cache or by downloading) and loading start when the
/// server starts, on their own thread; requests that need the model wait for it (the worker reads and
/// queues them meanwhile), and fail with `modelUnavailable` if either step failed.
final class ModelState: Sendable {
  private enum State {
    case loading([CheckedContinuation<LoadedModel, Error>])
    case ready(LoadedModel)
    case failed(String)
  }

  private let state = Locked(State.loading([]))

  /// Loads on a new thread; `announce` runs before any waiter is resumed (so the log says the model is ready
  /// before any answer can end the process), `completion` after every waiter has been resumed.
  func load(
    _ load: @escaping @Sendable () throws -> LoadedModel,
    announce: @escaping @Sendable (Result<LoadedModel, Error>) -> Void = { _ in },
    completion: @escaping @Sendable (Result<LoadedModel, Error>) -> Void
  ) {
    let thread = Thread {
      let result = Result { try load() }
      announce(result)
      let waiters: [CheckedContinuation<LoadedModel, Error>] = self.state.withLock { state in
        guard case let .loading(waiters) = state else { return [] }
        switch result {
        case let .success(loaded): state = .ready(loaded)
        case let .failure(error): state = .failed("\(error)")
        }
        return waiters
      }
      for waiter in waiters { waiter.resume(with: result.mapError { RPCError.modelUnavailable("\($0)") as Error }) }
      completion(result)
    }
    thread.stackSize = 8 << 20
    thread.start()
  }

  /// Resolves `source`, loads the model from the directory found and starts its batcher, on a thread of its
  /// own; logs the outcome. Download progress goes to `progress`.
  func start(
    source: ModelReference, configuration: WorkerConfiguration, logger: Logger, resolve: @escaping ModelResolving,
    load: @escaping ModelLoading,
    progress: @escaping @Sendable (DownloadProgress) -> Void, failed: @escaping @Sendable () -> Void,
    ready: @escaping @Sendable () -> Void = {}
  ) {
    let started = Date()
    self.load(
      {
        if case .hub = source { logger.log(.info, "resolving model \(source)") }
        let directory = try resolve(source, progress)
        if case .hub = source { logger.log(.info, "model \(source) is at \(directory.path)") }
        let model = try load(directory)
        let info = ModelInfo(id: source.description, path: directory.path, properties: model.properties)
        return LoadedModel(
          info: info, model: model,
          batcher: Batcher(model: model, maxBatchSize: configuration.maxBatchSize, logger: logger))
      },
      announce: { result in
        guard case let .success(loaded) = result else { return }
        let milliseconds = Int(Date().timeIntervalSince(started) * 1000)
        logger.log(
          .info,
          "model \(loaded.info.id) ready in \(milliseconds) ms (dim \(loaded.info.properties.embeddingDimension))")
      },
      completion: { result in
        switch result {
        case .success:
          ready()
        case let .failure(error):
          // A Hub id that was meant as a relative directory (`models/b3` mistyped): say both readings.
          var note = ""
          if case .hub = source, !source.description.contains("@") {
            note = " (nor is there a directory \(source) in the working directory "
              + "\(FileManager.default.currentDirectoryPath))"
          }
          logger.log(.error, "cannot load model \(source): \(error)\(note)")
          failed()
        }
      })
  }

  /// The model, waiting while it loads.
  func model() async throws -> LoadedModel {
    try await withCheckedThrowingContinuation { continuation in
      let immediate: Result<LoadedModel, Error>? = state.withLock { state in
        switch state {
        case var .loading(waiters):
          waiters.append(continuation)
          state = .loading(waiters)
          return nil
        case let .ready(loaded): return .success(loaded)
        case let .failed(reason): return .failure(RPCError.modelUnavailable(reason))
        }
      }
      if let immediate { continuation.resume(with: immediate) }
    }
  }

  /// The model if it has loaded.
  var loaded: LoadedModel? {
    state.withLock { state in
      if case let .ready(loaded) = state { return loaded }
      return nil
    }
  }
}
