import JSONRPC

/// `cacheStats`: the embedding cache's counters, and the persistent store's under `store` (null when it is off).
/// Never waits for the model or for other requests.
struct CacheStatsMethod: Method {
  static let name = "cacheStats"
  static func run(_ params: NoParams, in context: WorkerContext) async throws -> JSONValue {
    guard case var .object(members) = context.cache.statistics().json else { return context.cache.statistics().json }
    members["store"] = context.store.map { store in store.statistics().json(directory: store.directory.path) } ?? .null
    return .object(members)
  }
}
