/// A JSON value as RFC 8259 defines it. Numbers keep their text (see `JSONNumber`) and objects keep their
/// members in order (see `JSONObject`), so a value parsed and serialized again reads the same.
public enum JSONValue: Hashable, Sendable {
  case null
  case bool(Bool)
  case number(JSONNumber)
  case string(String)
  case array([JSONValue])
  case object(JSONObject)

  /// The member `key` when this is an object that has it.
  public subscript(key: String) -> JSONValue? {
    if case let .object(object) = self { return object[key] }
    return nil
  }

  /// The element at `index` when this is an array that long.
  public subscript(index: Int) -> JSONValue? {
    if case let .array(elements) = self, elements.indices.contains(index) { return elements[index] }
    return nil
  }

  public var stringValue: String? {
    if case let .string(value) = self { return value }
    return nil
  }

  public var boolValue: Bool? {
    if case let .bool(value) = self { return value }
    return nil
  }

  public var arrayValue: [JSONValue]? {
    if case let .array(value) = self { return value }
    return nil
  }

  public var objectValue: JSONObject? {
    if case let .object(value) = self { return value }
    return nil
  }

  public var numberValue: JSONNumber? {
    if case let .number(value) = self { return value }
    return nil
  }

  /// The name of this value's type as error messages say it: "null", "boolean", "number", "string",
  /// "array" or "object".
  public var typeName: String {
    switch self {
    case .null: return "null"
    case .bool: return "boolean"
    case .number: return "number"
    case .string: return "string"
    case .array: return "array"
    case .object: return "object"
    }
  }
}

extension JSONValue {
  public init(_ value: Int) { self = .number(JSONNumber(value)) }
  public init(_ value: Double) { self = .number(JSONNumber(value)) }
  public init(_ value: Float) { self = .number(JSONNumber(value)) }
  public init(_ value: String) { self = .string(value) }
  public init(_ value: Bool) { self = .bool(value) }
  public init(_ pairs: KeyValuePairs<String, JSONValue>) {
    self = .object(JSONObject(pairs.map { ($0.key, $0.value) }))
  }
}
