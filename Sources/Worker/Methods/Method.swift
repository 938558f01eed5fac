import JSONRPC

/// A method of the protocol: its wire name, how its params are read and what it returns. Dispatch finds a
/// method by `name`; `run` may throw `RPCError` (sent as is), `CancellationError` (sent as
/// requestCancelled), anything else is an internal error.
protocol Method: Sendable {
  associatedtype Params: MethodParams
  associatedtype Result: JSONRepresentable
  static var name: String { get }
  static func run(_ params: Params, in context: WorkerContext) async throws -> Result
}

/// A method's params, read from the request's `params` member (absent, an object, or an empty array).
protocol MethodParams {
  /// The member names the method reads; protocol/openrpc.json documents exactly these (a test checks).
  static var accepted: Set<String> { get }
  init(params: JSONValue?) throws(RPCError)
}

/// A value with a JSON form: a method's result.
protocol JSONRepresentable {
  var json: JSONValue { get }
}

/// Params of a method that takes none.
struct NoParams: MethodParams {
  static let accepted: Set<String> = []
  init(params: JSONValue?) throws(RPCError) { _ = try ParamsReader(params, accepted: Self.accepted) }
}

extension JSONValue: JSONRepresentable {
  var json: JSONValue { self }
}

extension Method {
  /// The params' member names, for the contract's test.
  static var parameterNames: Set<String> { Params.accepted }

  /// Reads the params and runs the method, giving its result as JSON.
  static func call(params: JSONValue?, in context: WorkerContext) async throws -> JSONValue {
    try await run(try Params(params: params), in: context).json
  }
}

/// Every method dispatched by name (`exit` and `$/cancelRequest` are handled by the server itself, as they
/// act on the connection rather than compute anything).
enum Methods {
  static let all: [any Method.Type] = [
    Initialize.self, Shutdown.self, Discover.self, EncodeText.self, EncodeImage.self, Classify.self,
    CacheStatsMethod.self, CacheClear.self, Index.self, Search.self, Rank.self, ListCollections.self,
    DropCollection.self,
  ]

  static let byName: [String: any Method.Type] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
}
