import JSONRPC

/// `cacheClear`: empties the embedding cache (counters of hits, misses and evictions are kept); null.
struct CacheClear: Method {
  static let name = "cacheClear"
  static func run(_ params: NoParams, in context: WorkerContext) async throws -> JSONValue {
    context.cache.clear()
    return .null
  }
}
