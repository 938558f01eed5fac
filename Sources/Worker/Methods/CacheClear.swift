import JSONRPC

/// `cacheClear {store = false}`: empties the in-memory embedding cache (counters of hits, misses and evictions are
/// kept) and, with `store: true`, the persistent store too; null.
struct CacheClear: Method {
  static let name = "cacheClear"

  struct Params: MethodParams {
    static let accepted: Set<String> = ["store"]

    /// Whether the persistent store is emptied as well.
    var store = false

    init(params: JSONValue?) throws(RPCError) {
      let reader = try ParamsReader(params, accepted: Self.accepted)
      store = try reader.optional("store") ?? false
    }
  }

  static func run(_ params: Params, in context: WorkerContext) async throws -> JSONValue {
    context.cache.clear()
    if params.store { context.store?.clear() }
    return .null
  }
}
