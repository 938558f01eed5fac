import Foundation
import JSONRPC

/// The model once loaded, with the batcher that runs its forward passes.
struct LoadedModel: Sendable {
  let info: ModelInfo
  let model: any EmbeddingModel
  let batcher: Batcher
}

/// The model's lifecycle: loading starts when the server starts, on its own thread; requests that need the
/// model wait for it (the worker reads and queues them meanwhile), and fail with `modelUnavailable` if
/// loading failed.
final class ModelState: Sendable {
  private enum State {
    case loading([CheckedContinuation<LoadedModel, Error>])
    case ready(LoadedModel)
    case failed(String)
  }

  private let state = Locked(State.loading([]))

  /// Loads on a new thread; `completion` runs after every waiter has been resumed.
  func load(
    _ load: @escaping @Sendable () throws -> LoadedModel,
    completion: @escaping @Sendable (Result<LoadedModel, Error>) -> Void
  ) {
    let thread = Thread {
      let result = Result { try load() }
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
