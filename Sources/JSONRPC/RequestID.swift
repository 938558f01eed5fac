/// A request's id: JSON-RPC 2.0 allows a string, a number or null. Numbers keep their text, so an id is
/// echoed back byte for byte and two ids are the same when they are written the same.
public enum RequestID: Hashable, Sendable, CustomStringConvertible {
  case number(JSONNumber)
  case string(String)
  /// The id of responses to messages whose id could not be read (parse errors, invalid requests), and the
  /// id of a request that sent `"id": null` (discouraged by the specification, but allowed).
  case null

  /// The id held by a JSON value, or nil when the value cannot be an id (booleans, arrays, objects).
  public init?(json: JSONValue) {
    switch json {
    case let .number(number): self = .number(number)
    case let .string(string): self = .string(string)
    case .null: self = .null
    default: return nil
    }
  }

  public init(_ value: Int) { self = .number(JSONNumber(value)) }

  public var json: JSONValue {
    switch self {
    case let .number(number): return .number(number)
    case let .string(string): return .string(string)
    case .null: return .null
    }
  }

  public var description: String { json.description }
}
