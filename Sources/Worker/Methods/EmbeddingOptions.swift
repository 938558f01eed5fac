import JSONRPC

/// The options both encode methods take.
struct EmbeddingOptions {
  static let names: Set<String> = ["normalize", "encoding"]

  var normalize = true
  var encoding = EmbeddingEncoding.float

  init(_ reader: ParamsReader) throws(RPCError) {
    normalize = try reader.optional("normalize") ?? normalize
    encoding = try reader.optional("encoding") ?? encoding
  }

  func embeddings(_ results: [(vector: [Float], cached: EmbeddingSource)], of loaded: LoadedModel) -> Embeddings {
    Embeddings(
      vectors: results.map(\.vector), cached: results.map(\.cached),
      dimension: loaded.info.properties.embeddingDimension, model: loaded.info.id,
      normalize: normalize, encoding: encoding)
  }
}
