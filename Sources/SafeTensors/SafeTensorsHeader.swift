import Foundation

/// The JSON header of a safetensors file, decoded but not yet checked against the file.
struct SafeTensorsHeader {
  /// One tensor entry as written: the dtype is still a string so unknown types can be named in errors.
  struct Entry: Decodable {
    var name = ""
    let dtype: String
    let shape: [Int]
    let offsets: [UInt64]

    enum CodingKeys: String, CodingKey {
      case dtype, shape
      case offsets = "data_offsets"
    }
  }

  let entries: [Entry]
  let metadata: [String: String]

  /// Any string key: tensor names are data, not a fixed schema.
  private struct NameKey: CodingKey {
    let stringValue: String
    init(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
  }

  private struct Document: Decodable {
    var entries: [Entry] = []
    var metadata: [String: String] = [:]

    init(from decoder: Decoder) throws {
      let container = try decoder.container(keyedBy: NameKey.self)
      for key in container.allKeys {
        if key.stringValue == "__metadata__" {
          metadata = try container.decode([String: String].self, forKey: key)
        } else {
          var entry = try container.decode(Entry.self, forKey: key)
          entry.name = key.stringValue
          entries.append(entry)
        }
      }
    }
  }

  init(json: Data) throws {
    // The format allows trailing spaces as padding; the JSON must still start with `{`.
    guard json.first == UInt8(ascii: "{") else {
      throw SafeTensorsError.invalidHeader(reason: "does not start with '{'")
    }
    let document: Document
    do {
      document = try JSONDecoder().decode(Document.self, from: json)
    } catch let error as DecodingError {
      throw SafeTensorsError.invalidHeader(reason: Self.describe(error))
    } catch {
      throw SafeTensorsError.invalidHeader(reason: "\(error)")
    }
    entries = document.entries
    metadata = document.metadata
  }

  private static func describe(_ error: DecodingError) -> String {
    switch error {
    case let .dataCorrupted(context): return "not valid JSON: \(context.debugDescription)"
    case let .keyNotFound(key, context): return "missing \(key.stringValue) at \(path(context))"
    case let .typeMismatch(_, context), let .valueNotFound(_, context):
      return "unexpected value at \(path(context)): \(context.debugDescription)"
    @unknown default: return "\(error)"
    }
  }

  private static func path(_ context: DecodingError.Context) -> String {
    context.codingPath.map(\.stringValue).joined(separator: ".")
  }
}
