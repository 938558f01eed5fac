/// A JSON-RPC error object: a code, a one-line message and optional structured data. The standard codes
/// have named factories here; an application adds its own codes (from -32000 to -32099) in the same way.
public struct RPCError: Error, Equatable, Sendable, CustomStringConvertible {
  public var code: Int
  public var message: String
  public var data: JSONValue?

  public init(code: Int, message: String, data: JSONValue? = nil) {
    self.code = code
    self.message = message
    self.data = data
  }

  /// The error object as it goes on the wire.
  public var json: JSONValue {
    var object: JSONObject = ["code": JSONValue(code), "message": .string(message)]
    if let data { object["data"] = data }
    return .object(object)
  }

  public var description: String { "\(message) (\(code))" + (data.map { " \($0)" } ?? "") }
}

extension RPCError {
  /// The codes JSON-RPC 2.0 defines, and the cancellation code of the Language Server Protocol.
  public enum Code {
    public static let parseError = -32700
    public static let invalidRequest = -32600
    public static let methodNotFound = -32601
    public static let invalidParams = -32602
    public static let internalError = -32603
    public static let requestCancelled = -32800
  }

  /// The line is not JSON. The response's id is null.
  public static func parseError(_ error: JSONParseError) -> RPCError {
    RPCError(code: Code.parseError, message: "Parse error: \(error)")
  }

  /// The JSON is not a valid request object.
  public static func invalidRequest(_ why: String) -> RPCError {
    RPCError(code: Code.invalidRequest, message: "Invalid request: \(why)")
  }

  public static func methodNotFound(_ method: String) -> RPCError {
    RPCError(code: Code.methodNotFound, message: "Method not found: \(method)", data: ["method": .string(method)])
  }

  public static func invalidParams(_ why: String) -> RPCError {
    RPCError(code: Code.invalidParams, message: "Invalid params: \(why)")
  }

  public static func internalError(_ why: String) -> RPCError {
    RPCError(code: Code.internalError, message: "Internal error: \(why)")
  }

  /// The client cancelled the request with `$/cancelRequest`.
  public static let requestCancelled = RPCError(code: Code.requestCancelled, message: "Request cancelled")
}

extension JSONObject: ExpressibleByDictionaryLiteral {
  public init(dictionaryLiteral elements: (String, JSONValue)...) { self.init(elements) }
}
