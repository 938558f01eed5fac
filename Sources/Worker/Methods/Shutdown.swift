import JSONRPC

/// `shutdown`: answers null once every request received before it has been answered; every request after
/// it fails with `shuttingDown`, and the `exit` notification that should follow ends the process with
/// code 0. The server marks the shutdown as soon as it reads the line, so requests behind it on the input
/// are refused in order, and starts it after the calls in flight (see `Server.start`).
struct Shutdown: Method {
  static let name = "shutdown"
  static func run(_ params: NoParams, in context: WorkerContext) async throws -> JSONValue { .null }
}

/// `rpc.discover`: the OpenRPC document describing this protocol (the same as protocol/openrpc.json).
struct Discover: Method {
  static let name = "rpc.discover"
  static func run(_ params: NoParams, in context: WorkerContext) async throws -> JSONValue {
    try OpenRPCDocument.json()
  }
}

/// `cacheStats`: the embedding cache's counters. Never waits for the model or for other requests.
struct CacheStatsMethod: Method {
  static let name = "cacheStats"
  static func run(_ params: NoParams, in context: WorkerContext) async throws -> JSONValue {
    context.store.statistics().json
  }
}

/// `cacheClear`: empties the embedding cache (counters of hits, misses and evictions are kept); null.
struct CacheClear: Method {
  static let name = "cacheClear"
  static func run(_ params: NoParams, in context: WorkerContext) async throws -> JSONValue {
    context.store.clear()
    return .null
  }
}
