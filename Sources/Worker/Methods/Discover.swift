import JSONRPC

/// `rpc.discover`: the OpenRPC document describing this protocol (the same as protocol/openrpc.json).
struct Discover: Method {
  static let name = "rpc.discover"
  static func run(_ params: NoParams, in context: WorkerContext) async throws -> JSONValue {
    try OpenRPCDocument.json()
  }
}
