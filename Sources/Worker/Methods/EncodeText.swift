import JSONRPC

/// `encodeText {texts, normalize = true, encoding = "float"}`: one embedding per text.
struct EncodeText: Method {
  static let name = "encodeText"

  struct Params: MethodParams {
    var texts: [String]
    var normalize = true
    var encoding = EmbeddingEncoding.float

    init(params: JSONValue?) throws(RPCError) {
      let reader = try ParamsReader(params, accepted: ["texts", "normalize", "encoding"])
      texts = try reader.required("texts")
      normalize = try reader.optional("normalize") ?? normalize
      encoding = try reader.optional("encoding") ?? encoding
    }
  }

  static func run(_ params: Params, in context: WorkerContext) async throws -> Embeddings {
    let loaded = try await context.modelState.model()
    try Task.checkCancellation()
    let results = try await context.textEmbeddings(params.texts, loaded: loaded)
    return Embeddings(
      vectors: results.map(\.vector), cached: results.map(\.cached),
      dimension: loaded.info.properties.embeddingDimension, model: loaded.info.id,
      normalize: params.normalize, encoding: params.encoding)
  }
}

/// `encodeImage {images, normalize = true, encoding = "float"}`: one embedding per image.
struct EncodeImage: Method {
  static let name = "encodeImage"

  struct Params: MethodParams {
    var images: [ImageInput]
    var normalize = true
    var encoding = EmbeddingEncoding.float

    init(params: JSONValue?) throws(RPCError) {
      let reader = try ParamsReader(params, accepted: ["images", "normalize", "encoding"])
      images = try reader.required("images")
      normalize = try reader.optional("normalize") ?? normalize
      encoding = try reader.optional("encoding") ?? encoding
    }
  }

  static func run(_ params: Params, in context: WorkerContext) async throws -> Embeddings {
    let loaded = try await context.modelState.model()
    try Task.checkCancellation()
    let results = try await context.imageEmbeddings(params.images, param: "images", loaded: loaded)
    return Embeddings(
      vectors: results.map(\.vector), cached: results.map(\.cached),
      dimension: loaded.info.properties.embeddingDimension, model: loaded.info.id,
      normalize: params.normalize, encoding: params.encoding)
  }
}
