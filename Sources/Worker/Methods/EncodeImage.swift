import JSONRPC

/// `encodeImage {images, normalize = true, encoding = "float"}`: one embedding per image.
struct EncodeImage: Method {
  static let name = "encodeImage"

  struct Params: MethodParams {
    static let accepted = EmbeddingOptions.names.union(["images"])

    var images: [ImageInput]
    var options: EmbeddingOptions

    init(params: JSONValue?) throws(RPCError) {
      let reader = try ParamsReader(params, accepted: Self.accepted)
      images = try reader.required("images")
      options = try EmbeddingOptions(reader)
    }
  }

  static func run(_ params: Params, in context: WorkerContext) async throws -> Embeddings {
    try context.configuration.requestLimits.check(images: params.images.count)
    let loaded = try await context.modelState.model()
    try Task.checkCancellation()
    let results = try await context.imageEmbeddings(params.images, param: "images", loaded: loaded)
    return params.options.embeddings(results, of: loaded)
  }
}
