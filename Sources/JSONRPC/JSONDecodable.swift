/// A type read from a JSON value of a request's params. Failures are invalid-params errors that name the
/// offending field by its path (`images[2].path`), so the client can tell what to fix.
public protocol JSONDecodable {
  /// What error messages call this type ("a string", "an array of strings").
  static var jsonDescription: String { get }
  /// Reads a value; `path` locates it for error messages.
  init(json: JSONValue, path: String) throws(RPCError)
}

extension JSONDecodable {
  /// The invalid-params error for a value of the wrong type at `path`.
  public static func typeMismatch(_ json: JSONValue, path: String) -> RPCError {
    .invalidParams("\(path) must be \(jsonDescription), found \(json.typeName)")
  }
}

extension String: JSONDecodable {
  public static var jsonDescription: String { "a string" }
  public init(json: JSONValue, path: String) throws(RPCError) {
    guard case let .string(value) = json else { throw Self.typeMismatch(json, path: path) }
    self = value
  }
}

extension Bool: JSONDecodable {
  public static var jsonDescription: String { "a boolean" }
  public init(json: JSONValue, path: String) throws(RPCError) {
    guard case let .bool(value) = json else { throw Self.typeMismatch(json, path: path) }
    self = value
  }
}

extension Int: JSONDecodable {
  public static var jsonDescription: String { "an integer" }
  public init(json: JSONValue, path: String) throws(RPCError) {
    guard case let .number(number) = json else { throw Self.typeMismatch(json, path: path) }
    guard let value = number.intValue else { throw .invalidParams("\(path) must be an integer, found \(number)") }
    self = value
  }
}

extension JSONValue: JSONDecodable {
  public static var jsonDescription: String { "a JSON value" }
  public init(json: JSONValue, path: String) throws(RPCError) { self = json }
}

extension Array: JSONDecodable where Element: JSONDecodable {
  public static var jsonDescription: String { "an array (each element \(Element.jsonDescription))" }
  public init(json: JSONValue, path: String) throws(RPCError) {
    guard case let .array(elements) = json else { throw Self.typeMismatch(json, path: path) }
    var values: [Element] = []
    values.reserveCapacity(elements.count)
    for (index, element) in elements.enumerated() {
      values.append(try Element(json: element, path: "\(path)[\(index)]"))
    }
    self = values
  }
}

/// Reads the named params of a call: absent params, `{}` and `[]` all mean "no params". Positional
/// (array) params with elements are refused, as are unknown names, so a misspelt option is an error
/// rather than silently ignored.
public struct ParamsReader {
  private let object: JSONObject

  /// - Parameter accepted: every name the method understands.
  public init(_ params: JSONValue?, accepted: Set<String>) throws(RPCError) {
    switch params {
    case nil: object = JSONObject()
    case let .array(elements)? where elements.isEmpty: object = JSONObject()
    case let .object(object)?: self.object = object
    case let other?: throw .invalidParams("params must be an object with named members, found \(other.typeName)")
    }
    if let unknown = object.keys.first(where: { !accepted.contains($0) }) {
      throw .invalidParams("unknown parameter \"\(unknown)\"; accepted: \(accepted.sorted().joined(separator: ", "))")
    }
  }

  /// Whether the member is present (and not null).
  public func has(_ name: String) -> Bool {
    if let value = object[name], value != .null { return true }
    return false
  }

  /// A member that must be present.
  public func required<T: JSONDecodable>(_ name: String, as type: T.Type = T.self) throws(RPCError) -> T {
    guard let value = object[name], value != .null else { throw .invalidParams("missing \(name)") }
    return try T(json: value, path: name)
  }

  /// A member that may be absent or null.
  public func optional<T: JSONDecodable>(_ name: String, as type: T.Type = T.self) throws(RPCError) -> T? {
    guard let value = object[name], value != .null else { return nil }
    return try T(json: value, path: name)
  }
}
