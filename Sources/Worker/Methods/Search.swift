import JSONRPC

/// `search {collection, query, topK = 10, threshold, template}`: the collection's entries by exact cosine with the
/// query, highest first: `[{path, score}]`. The collection's vectors are unit length, the query is normalized; a
/// large collection's scores are bounded from an int8 copy first, so that only the rows that can be among the best
/// are scored exactly (`SearchMatrix.search`: the same results as scoring every row). `template` (e.g. "a photo of
/// {}") applies to a text query; `threshold` drops entries scoring below it. Ties keep path order.
struct Search: Method {
  static let name = "search"

  struct Params: MethodParams {
    static let accepted: Set<String> = ["collection", "query", "topK", "threshold", "template"]

    var collection: String
    var query: SearchQuery
    var topK: Int
    var threshold: Double?
    var template: HypothesisTemplate?

    init(params: JSONValue?) throws(RPCError) {
      let reader = try ParamsReader(params, accepted: Self.accepted)
      collection = try reader.collectionName("collection")
      query = try SearchQuery(try reader.required("query", as: JSONValue.self))
      topK = try reader.topK() ?? 10
      if let value: JSONValue = try reader.optional("threshold") {
        guard let number = value.numberValue?.doubleValue, number.isFinite else {
          throw .invalidParams("threshold must be a number, found \(value.typeName)")
        }
        threshold = number
      }
      if let text: String = try reader.optional("template") {
        guard case .text = query else { throw .invalidParams("template applies to a text query only") }
        template = try HypothesisTemplate(text)
      }
    }
  }

  static func run(_ params: Params, in context: WorkerContext) async throws -> JSONValue {
    let loaded = try await context.modelState.model()
    let (_, matrix) = try context.searchableCollection(params.collection, loaded: loaded)
    let query = try await params.query.vector(template: params.template, in: context, loaded: loaded)
    try Task.checkCancellation()
    let results = matrix.search(query, topK: params.topK, threshold: params.threshold).results
    return .array(results.map { ["path": .string(matrix.paths[$0.index]), "score": JSONValue($0.score)] })
  }
}
