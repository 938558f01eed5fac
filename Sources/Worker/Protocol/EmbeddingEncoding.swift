import Foundation
import JSONRPC
import Models

/// How embeddings are written in results: JSON numbers, or base64 of little-endian float32 bytes.
enum EmbeddingEncoding: String, CaseIterable, JSONDecodable {
  case float, base64

  static var jsonDescription: String { "\"float\" or \"base64\"" }

  init(json: JSONValue, path: String) throws(RPCError) {
    guard case let .string(name) = json, let encoding = EmbeddingEncoding(rawValue: name) else {
      throw .invalidParams("\(path) must be \(Self.jsonDescription), found \(json)")
    }
    self = encoding
  }

  /// One embedding in this encoding. Each float is written shortest-round-trip, so reading it back as
  /// float32 gives the same value; a non-finite value (which a sound model never yields) is written null.
  func json(_ vector: [Float]) -> JSONValue {
    switch self {
    case .float:
      return .array(vector.map { $0.isFinite ? JSONValue($0) : .null })
    case .base64:
      var bytes: [UInt8] = []
      bytes.reserveCapacity(vector.count * 4)
      for value in vector {
        let bits = value.bitPattern
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> shift)) }
      }
      return .string(Data(bytes).base64EncodedString())
    }
  }
}

/// Where an embedding came from: computed for this request, the in-memory cache (or a computation another request
/// had started), or the persistent store. Written as `cached`: false, "memory", "store".
enum EmbeddingSource: Sendable {
  case computed, memory, store

  var json: JSONValue {
    switch self {
    case .computed: return .bool(false)
    case .memory: return .string("memory")
    case .store: return .string("store")
    }
  }
}

/// The result of `encodeText` and `encodeImage`.
struct Embeddings: JSONRepresentable {
  var vectors: [[Float]]
  var cached: [EmbeddingSource]
  var dimension: Int
  var model: String
  var normalize: Bool
  var encoding: EmbeddingEncoding

  var json: JSONValue {
    [
      "embeddings": .array(vectors.map { encoding.json(normalize ? l2Normalized($0) : $0) }),
      "dim": JSONValue(dimension),
      "model": .string(model),
      "cached": .array(cached.map(\.json)),
    ]
  }
}
