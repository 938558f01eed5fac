import JSONRPC
import Models

/// `classify {image | images, labels, template = "This is a photo of {}.", topK}`: zero-shot scores, as
/// `pipeline("zero-shot-image-classification")` computes them — the label texts are the template applied
/// to each label, the scores the family's `ZeroShotScoring` (CLIP's: the softmax over
/// `logit_scale.exp() * cosine(image, text)`), sorted highest first (ties keep label order, like Python's
/// stable sort). `candidate_labels` and `hypothesis_template`
/// are accepted as the pipeline's names for `labels` and `template`. With `images`, one list per image.
struct Classify: Method {
  static let name = "classify"

  struct Params: MethodParams {
    static let accepted: Set<String> = [
      "image", "images", "labels", "candidate_labels", "template", "hypothesis_template", "topK",
    ]

    var images: [ImageInput]
    /// Whether the request gave one `image` (and gets one list) rather than `images`.
    var single: Bool
    var labels: [String]
    var template: HypothesisTemplate
    var topK: Int?

    init(params: JSONValue?) throws(RPCError) {
      let reader = try ParamsReader(params, accepted: Self.accepted)
      switch (reader.has("image"), reader.has("images")) {
      case (true, false):
        images = [try reader.required("image")]
        single = true
      case (false, true):
        images = try reader.required("images")
        single = false
      default: throw .invalidParams("give exactly one of image and images")
      }
      labels = try Params.either("labels", "candidate_labels", in: reader) ?? []
      guard !labels.isEmpty else { throw .invalidParams("labels must hold at least one label") }
      template = try HypothesisTemplate(
        try Params.either("template", "hypothesis_template", in: reader) ?? HypothesisTemplate.pipelineDefault)
      topK = try reader.optional("topK")
      if let topK, topK < 1 { throw .invalidParams("topK must be at least 1, found \(topK)") }
    }

    /// The value of a member that has an alias; giving both is an error.
    private static func either<T: JSONDecodable>(_ name: String, _ alias: String, in reader: ParamsReader)
      throws(RPCError) -> T?
    {
      if reader.has(name) && reader.has(alias) { throw .invalidParams("give \(name) or \(alias), not both") }
      if let value: T = try reader.optional(name) { return value }
      return try reader.optional(alias)
    }
  }

  static func run(_ params: Params, in context: WorkerContext) async throws -> JSONValue {
    let texts = params.labels.map(params.template.apply)
    try context.configuration.requestLimits.check(images: params.images.count, texts: texts)
    let loaded = try await context.modelState.model()
    try Task.checkCancellation()
    async let imageResults = context.imageEmbeddings(
      params.images, param: params.single ? "image" : "images", loaded: loaded)
    async let textResults = context.textEmbeddings(texts, loaded: loaded)
    // Raw embeddings: the model normalizes them itself, as CLIPModel does before taking cosines.
    let textVectors = try await textResults.map(\.vector)
    let imageVectors = try await imageResults.map(\.vector)
    try Task.checkCancellation()
    let lists: [JSONValue] = imageVectors.map { image in
      let scores = loaded.model.scoring.scores(image: image, texts: textVectors)
      let ranked = zip(params.labels, scores).enumerated().sorted { lhs, rhs in
        lhs.element.1 != rhs.element.1 ? lhs.element.1 > rhs.element.1 : lhs.offset < rhs.offset
      }
      return .array(
        ranked.prefix(params.topK ?? ranked.count).map {
          ["label": .string($0.element.0), "score": JSONValue($0.element.1)]
        })
    }
    return params.single ? lists[0] : .array(lists)
  }
}
