import Foundation
import Hub
import JSONRPC

/// The worker's methods called in-process, without the protocol stream: what the one-shot commands
/// (`clip-worker classify`, `clip-worker embed`) run. The model is resolved and loaded exactly as the server
/// does it, and calls go through the same method types, context, cache and batcher, so a result here is the
/// result the server would send for the same params.
public final class LocalSession: Sendable {
  private let context: WorkerContext

  /// Starts resolving and loading the model (see `Server.init` for the parameters); calls wait for it.
  public init(
    configuration: WorkerConfiguration, source: ModelSource,
    resolve: @escaping ModelResolving = { source, progress in try source.resolve(progress: progress) },
    load: @escaping @Sendable (ModelSource) throws -> any EmbeddingModel,
    decode: @escaping ImageDecoder, logger: Logger,
    progress: @escaping @Sendable (DownloadProgress) -> Void = { _ in }
  ) {
    // Nobody can subscribe to notifications here: there is no client.
    context = WorkerContext(configuration: configuration, decode: decode, progress: ProgressNotifier { _ in })
    context.modelState.start(
      source: source, configuration: configuration, logger: logger, resolve: resolve, load: load,
      progress: progress, failed: {})
  }

  /// Runs `method` with `params` as the server would, giving its result.
  /// - Throws: the `RPCError` the server would answer with (`modelUnavailable` when the model could not be
  ///   resolved or loaded, `inputFailed` for an unreadable image, ...).
  public func call(_ method: String, _ params: JSONValue) async throws(RPCError) -> JSONValue {
    guard let type = Methods.byName[method] else { throw .methodNotFound(method) }
    do {
      return try await type.call(params: params, in: context)
    } catch let error as RPCError {
      throw error
    } catch {
      throw .internalError("\(error)")
    }
  }
}
