import Foundation
import JSONRPC

/// The `query` of `search` and `rank`: exactly one of `{text}`, `{image: ImageInput}` or `{embedding: [number] |
/// base64 of little-endian float32}`.
enum SearchQuery {
  case text(String)
  case image(ImageInput)
  case embedding([Float])

  static let members: Set<String> = ["text", "image", "embedding"]

  init(_ json: JSONValue) throws(RPCError) {
    guard case let .object(object) = json else {
      throw .invalidParams("query must be an object with one of text, image and embedding, found \(json.typeName)")
    }
    let given = object.members.map(\.key)
    if let unknown = given.first(where: { !Self.members.contains($0) }) {
      throw .invalidParams("query has an unknown member \(unknown) (give one of text, image and embedding)")
    }
    guard given.count == 1, let (member, value) = object.members.first else {
      throw .invalidParams("query must have exactly one of text, image and embedding, found \(given.sorted())")
    }
    switch member {
    case "text": self = .text(try String(json: value, path: "query.text"))
    case "image": self = .image(try ImageInput(json: value, path: "query.image"))
    default: self = .embedding(try Self.vector(value))
    }
  }

  private static func vector(_ value: JSONValue) throws(RPCError) -> [Float] {
    switch value {
    case let .array(elements):
      var vector: [Float] = []
      vector.reserveCapacity(elements.count)
      for (index, element) in elements.enumerated() {
        guard let number = element.numberValue?.doubleValue, number.isFinite else {
          throw .invalidParams("query.embedding[\(index)] must be a finite number, found \(element.typeName)")
        }
        vector.append(Float(number))
      }
      return vector
    case let .string(text):
      guard let data = Data(base64Encoded: text), data.count % 4 == 0 else {
        throw .invalidParams("query.embedding as a string must be base64 of little-endian float32 values")
      }
      let bytes = [UInt8](data)
      return stride(from: 0, to: bytes.count, by: 4).map { offset in
        Float(bitPattern: UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
          | UInt32(bytes[offset + 3]) << 24)
      }
    default:
      throw .invalidParams("query.embedding must be an array of numbers or a base64 string, found \(value.typeName)")
    }
  }

  /// The query's unit-length embedding with `loaded` (`template` applied to a text).
  func vector(template: HypothesisTemplate?, in context: WorkerContext, loaded: LoadedModel) async throws -> [Float] {
    let dimension = loaded.info.properties.embeddingDimension
    let raw: [Float]
    switch self {
    case let .text(text):
      let final = template?.apply(text) ?? text
      try context.configuration.requestLimits.check(texts: [final])
      raw = try await context.textEmbeddings([final], loaded: loaded)[0].vector
    case let .image(image):
      raw = try await context.imageEmbeddings([image], param: "query.image", loaded: loaded)[0].vector
    case let .embedding(vector):
      guard vector.count == dimension else {
        throw RPCError.invalidParams(
          "query.embedding has \(vector.count) values, the model's embeddings have \(dimension)")
      }
      raw = vector
    }
    guard let unit = Self.normalized(raw) else { throw RPCError.invalidParams("query.embedding is the zero vector") }
    return unit
  }

  /// `vector / ‖vector‖` (the norm in Double), nil for the zero vector.
  static func normalized(_ vector: [Float]) -> [Float]? {
    let norm = vector.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
    guard norm > 0, norm.isFinite else { return nil }
    return vector.map { Float(Double($0) / norm) }
  }
}
