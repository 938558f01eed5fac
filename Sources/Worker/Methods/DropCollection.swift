import JSONRPC

/// `dropCollection {name}`: removes the collection (its file in the store directory); `{name, dropped: true}`. An
/// unknown name is invalid params. The embeddings stay in the store (and so re-indexing is cheap).
struct DropCollection: Method {
  static let name = "dropCollection"

  struct Params: MethodParams {
    static let accepted: Set<String> = ["name"]
    var name: String
    init(params: JSONValue?) throws(RPCError) {
      name = try ParamsReader(params, accepted: Self.accepted).collectionName("name")
    }
  }

  static func run(_ params: Params, in context: WorkerContext) async throws -> JSONValue {
    let dropped: Bool
    do { dropped = try context.collections.drop(params.name) } catch { throw RPCError.collection(error) }
    guard dropped else { throw RPCError.collection(.unknown(params.name)) }
    return ["name": .string(params.name), "dropped": true]
  }
}
