import JSONRPC

/// `cacheStats`: the embedding cache's counters. Never waits for the model or for other requests.
struct CacheStatsMethod: Method {
  static let name = "cacheStats"
  static func run(_ params: NoParams, in context: WorkerContext) async throws -> JSONValue {
    context.cache.statistics().json
  }
}
