import JSONRPC
import Kernels

/// `rank {query, images, topK}`: ad-hoc candidates without a collection, by exact cosine with the query, highest
/// first: `[{index, score}]` (`index` into `images`; ties keep input order). The images go through the caches and
/// the store as `encodeImage`'s do; a failing image fails the call as it does there.
struct Rank: Method {
  static let name = "rank"

  struct Params: MethodParams {
    static let accepted: Set<String> = ["query", "images", "topK", "template"]

    var query: SearchQuery
    var images: [ImageInput]
    var topK: Int?
    var template: HypothesisTemplate?

    init(params: JSONValue?) throws(RPCError) {
      let reader = try ParamsReader(params, accepted: Self.accepted)
      query = try SearchQuery(try reader.required("query", as: JSONValue.self))
      images = try reader.required("images")
      topK = try reader.topK()
      if let text: String = try reader.optional("template") {
        guard case .text = query else { throw .invalidParams("template applies to a text query only") }
        template = try HypothesisTemplate(text)
      }
    }
  }

  static func run(_ params: Params, in context: WorkerContext) async throws -> JSONValue {
    try context.configuration.requestLimits.check(images: params.images.count + 1)
    let loaded = try await context.modelState.model()
    let query = try await params.query.vector(template: params.template, in: context, loaded: loaded)
    let candidates = try await context.imageEmbeddings(params.images, param: "images", loaded: loaded)
    try Task.checkCancellation()
    guard !candidates.isEmpty else { return [] }
    let dimension = query.count
    var rows: [Float] = []
    rows.reserveCapacity(candidates.count * dimension)
    for candidate in candidates { rows += SearchQuery.normalized(candidate.vector) ?? candidate.vector }
    let scores = matmulTransposed(
      Matrix(rows: 1, columns: dimension, scalars: query),
      Matrix(rows: candidates.count, columns: dimension, scalars: rows)
    ).scalars
    return .array(
      ranked(scores, topK: params.topK).map { ["index": JSONValue($0.index), "score": JSONValue($0.score)] })
  }
}
