import JSONRPC

/// `encodeText {texts, normalize = true, encoding = "float"}`: one embedding per text.
struct EncodeText: Method {
  static let name = "encodeText"

  struct Params: MethodParams {
    static let accepted = EmbeddingOptions.names.union(["texts"])

    var texts: [String]
    var options: EmbeddingOptions

    init(params: JSONValue?) throws(RPCError) {
      let reader = try ParamsReader(params, accepted: Self.accepted)
      texts = try reader.required("texts")
      options = try EmbeddingOptions(reader)
    }
  }

  static func run(_ params: Params, in context: WorkerContext) async throws -> Embeddings {
    try context.configuration.requestLimits.check(texts: params.texts)
    let loaded = try await context.modelState.model()
    try Task.checkCancellation()
    return params.options.embeddings(try await context.textEmbeddings(params.texts, loaded: loaded), of: loaded)
  }
}
