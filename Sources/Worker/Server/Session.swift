import Foundation
import Hub
import JSONRPC
import Models

/// The worker's methods against one model, cache and configuration: what the server runs for each request, and
/// what the one-shot commands (`clip-worker classify`, `clip-worker embed`) and in-process tests call directly.
/// The model is resolved and loaded the same way for all of them, and every call goes through the same method
/// types, cache and batcher, so a result here is the result the server sends for the same params.
public final class Session: Sendable {
  let context: WorkerContext
  private let source: ModelReference
  private let resolve: ModelResolving
  private let load: ModelLoading
  private let logger: Logger
  private let progress: @Sendable (DownloadProgress) -> Void

  /// - Parameters:
  ///   - resolve: finds the checkpoint directory (for a Hub id: the cache, or a download); called once by
  ///     `start`, on the loading thread.
  ///   - load: builds the model from the resolved directory; called once, after `resolve`. By default the family
  ///     the checkpoint's config names, at `configuration.precision`.
  ///   - decode: decodes image files.
  ///   - notify: writes a notification to the client (`$/progress`, for clients that asked); none by default.
  ///   - progress: shows download progress to the operator (the executable draws a bar on stderr).
  public init(
    configuration: WorkerConfiguration, source: ModelReference, resolve: @escaping ModelResolving = resolveFromHub,
    load: ModelLoading? = nil, decode: @escaping ImageDecoder, logger: Logger,
    notify: @escaping @Sendable (JSONValue) -> Void = { _ in },
    progress: @escaping @Sendable (DownloadProgress) -> Void = { _ in }
  ) {
    context = WorkerContext(configuration: configuration, decode: decode, progress: ProgressNotifier(send: notify), logger: logger)
    self.source = source
    self.resolve = resolve
    self.load = load ?? { [precision = configuration.precision] directory in
      try ModelFamilies.load(directory: directory, precision: precision)
    }
    self.logger = logger
    self.progress = progress
  }

  /// The embedding cache, for inspection.
  public var cache: EmbeddingCache { context.cache }

  /// Inputs waiting for a forward pass (0 before the model has loaded).
  var queuedInputs: Int { context.modelState.loaded?.batcher.queuedCount ?? 0 }

  /// Starts resolving and loading the model; calls that need it wait. `failed` runs if either step fails,
  /// `ready` once the model has loaded (each after the waiting calls have been resumed).
  public func start(failed: @escaping @Sendable () -> Void = {}, ready: @escaping @Sendable () -> Void = {}) {
    context.modelState.start(
      source: source, configuration: context.configuration, logger: logger, resolve: resolve, load: load,
      progress: { [context, progress] report in
        progress(report)
        context.progress.report(report)
      },
      failed: failed, ready: ready)
  }

  /// Ends the session's use of its files before the process exits: the persistent store's active segment is sealed
  /// (a record inserted after this is dropped). Calls may still be answered from memory.
  public func close() { context.closeStore() }

  /// The method dispatched as `name`, if there is one.
  static func method(named name: String) -> (any Method.Type)? { Methods.byName[name] }

  /// Runs `method` with `params`, giving its result or the error the client is answered with: the method's own
  /// `RPCError`, `requestCancelled` for a cancelled task, `internalError` for anything else.
  func call(_ method: any Method.Type, params: JSONValue?) async -> Result<JSONValue, RPCError> {
    do {
      return .success(try await method.call(params: params, in: context))
    } catch let error as RPCError {
      return .failure(error)
    } catch is CancellationError {
      return .failure(.requestCancelled)
    } catch {
      return .failure(.internalError("\(error)"))
    }
  }

  /// Runs the method named `method` with `params` as the server would.
  /// - Throws: the `RPCError` the server would answer with (`methodNotFound`, `modelUnavailable` when the model
  ///   could not be resolved or loaded, `inputFailed` for an unreadable image, ...).
  public func call(_ method: String, _ params: JSONValue?) async throws(RPCError) -> JSONValue {
    guard let type = Self.method(named: method) else { throw .methodNotFound(method) }
    return try await call(type, params: params).get()
  }
}
