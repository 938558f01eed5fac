import JSONRPC

/// `encodeText {texts, normalize = true, encoding = "float"}`: one embedding per text.
struct EncodeText: Method {
  static let name = "encodeText"

  struct Params: MethodParams {
    var texts: [String]
    var options: EmbeddingOptions

    init(params: JSONValue?) throws(RPCError) {
      let reader = try ParamsReader(params, accepted: EmbeddingOptions.names.union(["texts"]))
      texts = try reader.required("texts")
      options = try EmbeddingOptions(reader)
    }
  }

  static func run(_ params: Params, in context: WorkerContext) async throws -> Embeddings {
    let loaded = try await context.modelState.model()
    try Task.checkCancellation()
    return params.options.embeddings(try await context.textEmbeddings(params.texts, loaded: loaded), of: loaded)
  }
}

/// `encodeImage {images, normalize = true, encoding = "float"}`: one embedding per image.
struct EncodeImage: Method {
  static let name = "encodeImage"

  struct Params: MethodParams {
    var images: [ImageInput]
    var options: EmbeddingOptions

    init(params: JSONValue?) throws(RPCError) {
      let reader = try ParamsReader(params, accepted: EmbeddingOptions.names.union(["images"]))
      images = try reader.required("images")
      options = try EmbeddingOptions(reader)
    }
  }

  static func run(_ params: Params, in context: WorkerContext) async throws -> Embeddings {
    let loaded = try await context.modelState.model()
    try Task.checkCancellation()
    let results = try await context.imageEmbeddings(params.images, param: "images", loaded: loaded)
    return params.options.embeddings(results, of: loaded)
  }
}

/// The options both encode methods take.
struct EmbeddingOptions {
  static let names: Set<String> = ["normalize", "encoding"]

  var normalize = true
  var encoding = EmbeddingEncoding.float

  init(_ reader: ParamsReader) throws(RPCError) {
    normalize = try reader.optional("normalize") ?? normalize
    encoding = try reader.optional("encoding") ?? encoding
  }

  func embeddings(_ results: [(vector: [Float], cached: Bool)], of loaded: LoadedModel) -> Embeddings {
    Embeddings(
      vectors: results.map(\.vector), cached: results.map(\.cached),
      dimension: loaded.info.properties.embeddingDimension, model: loaded.info.id,
      normalize: normalize, encoding: encoding)
  }
}
