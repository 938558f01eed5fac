import Foundation
@testable import Tokenizer

/// The fixtures written by `Fixtures/make_fixtures.py` from Hugging Face `CLIPTokenizerFast`.
enum ReferenceFixtures {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

  struct Case: Decodable, Sendable {
    var text: String
    /// Ids with the full CLIP vocabulary, `truncation=True`.
    var ids: [Int]
    /// Ids with the first 2000 merges only (`clip-small`, and `clip-small-json` saved by transformers).
    var idsSmall: [Int]
    /// Ids with `clip-small-json`'s added tokens marked `normalized: true`, when they differ from `idsSmall`.
    var idsSmallNormalizedSpecials: [Int]?
    /// The reference normalizer's output for the whole text.
    var normalized: String
  }

  struct TemplateSentence: Decodable, Sendable {
    var text: String
    var ids: [Int]
    var attentionMask: [Int]
  }

  /// A ~1 MB text given as `unit` repeated `count` times.
  struct Repeated: Decodable, Sendable {
    var unit: String
    var count: Int
    var ids: [Int]
  }

  /// A tokenizer_config.json written beside clip-small's vocabulary (and, if `tokenizerJSON`, the tokenizer.json
  /// of clip-small-json with every added token marked normalized), with the ids of `configProbes` under it.
  struct ConfigVariant: Decodable, Sendable {
    var config: JSONObject
    var tokenizerJSON: Bool
    var ids: [[Int]]
  }

  /// A JSON object decoded as is, to be written back with JSONSerialization.
  struct JSONObject: Decodable, @unchecked Sendable {
    /// Written once by the decoder and only read after: the fixtures are loaded once and never changed.
    var value: [String: Any]

    init(from decoder: Decoder) throws {
      let data = try JSONEncoder().encode(try AnyJSON(from: decoder))
      value = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }
  }

  struct Cases: Decodable, Sendable {
    var versions: [String: String]
    var maxLength: Int
    var cases: [Case]
    var templates: [TemplateSentence]
    var repeated: [Repeated]
    var configProbes: [String]
    var configVariants: [ConfigVariant]
  }

  /// Per-code-point behaviour of the reference.
  struct UnicodeReference: Decodable, Sendable {
    /// Runs of classes: each entry is [first code point, "whitespace" | "letter" | "number" | "other" | "surrogate"].
    var classes: [[ClassRunField]]
    /// The normalizer's output for each code point it changes.
    var normalized: [String: [UInt32]]
    /// Code points whose canonical decomposition the reference does not compose back, with its output.
    var notComposed: [String: [UInt32]]
    /// Random short sequences of scalars where NFC is delicate: [input, the normalizer's output].
    var sequences: [[String]]

    enum CodingKeys: String, CodingKey {
      case classes, normalized, sequences
      case notComposed = "not_composed"
    }
  }

  enum ClassRunField: Decodable, Sendable {
    case start(UInt32)
    case kind(String)

    init(from decoder: Decoder) throws {
      let container = try decoder.singleValueContainer()
      if let start = try? container.decode(UInt32.self) {
        self = .start(start)
      } else {
        self = .kind(try container.decode(String.self))
      }
    }
  }

  static let cases: Cases = load("cases.json")
  static let unicode: UnicodeReference = load("unicode_reference.json")

  static let full: CLIPTokenizer = tokenizer("clip")
  static let small: CLIPTokenizer = tokenizer("clip-small")
  static let smallFromJSON: CLIPTokenizer = tokenizer("clip-small-json")

  private static func tokenizer(_ name: String) -> CLIPTokenizer {
    do {
      return try CLIPTokenizer(directory: directory.appendingPathComponent(name))
    } catch {
      fatalError("cannot load fixture tokenizer \(name): \(error)")
    }
  }

  private static func load<T: Decodable>(_ name: String) -> T {
    do {
      return try JSONDecoder().decode(T.self, from: Data(contentsOf: directory.appendingPathComponent(name)))
    } catch {
      fatalError("cannot read fixture \(name): \(error)")
    }
  }

  /// Any JSON value, decoded and encoded again unchanged.
  indirect enum AnyJSON: Codable {
    case null, bool(Bool), number(Double), string(String), array([AnyJSON]), object([String: AnyJSON])

    init(from decoder: Decoder) throws {
      let container = try decoder.singleValueContainer()
      if container.decodeNil() {
        self = .null
      } else if let value = try? container.decode(Bool.self) {
        self = .bool(value)
      } else if let value = try? container.decode(Double.self) {
        self = .number(value)
      } else if let value = try? container.decode(String.self) {
        self = .string(value)
      } else if let value = try? container.decode([AnyJSON].self) {
        self = .array(value)
      } else {
        self = .object(try container.decode([String: AnyJSON].self))
      }
    }

    func encode(to encoder: Encoder) throws {
      var container = encoder.singleValueContainer()
      switch self {
      case .null: try container.encodeNil()
      case let .bool(value): try container.encode(value)
      case let .number(value): try container.encode(value)
      case let .string(value): try container.encode(value)
      case let .array(value): try container.encode(value)
      case let .object(value): try container.encode(value)
      }
    }
  }

  static func scalars(_ values: [UInt32]) -> [Unicode.Scalar] { values.map { Unicode.Scalar($0)! } }

  static func hex(_ scalars: some Sequence<Unicode.Scalar>) -> String {
    scalars.map { String($0.value, radix: 16, uppercase: true) }.joined(separator: " ")
  }
}
