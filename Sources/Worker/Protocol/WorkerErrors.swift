import JSONRPC

// The worker's own error codes, in the range JSON-RPC leaves to servers (-32000 to -32099). Each is
// documented in protocol/README.md and protocol/openrpc.json.
extension RPCError.Code {
  /// One input of the request could not be used; `data` says which and why.
  public static let inputFailed = -32001
  /// The model could not be loaded; `data.reason` says why.
  public static let modelUnavailable = -32002
  /// A request arrived after `shutdown`.
  public static let shuttingDown = -32003
  /// A line was longer than the message limit and was discarded.
  public static let messageTooLarge = -32004
  /// A path input refused by the path policy (`--allow-path`, `--no-paths`); `data` names the input as given.
  public static let pathNotAllowed = -32005
}

extension RPCError {
  /// Input `index` of parameter `param` failed: an unreadable file, bad base64, an undecodable or too
  /// large image. The request fails; nothing else is affected.
  public static func inputFailed(param: String, index: Int, input: JSONValue, reason: String) -> RPCError {
    RPCError(
      code: Code.inputFailed, message: "\(param)[\(index)]: \(reason)",
      data: ["param": .string(param), "index": JSONValue(index), "input": input, "reason": .string(reason)])
  }

  /// Input `index` names a path the policy refuses. The path is named as the request gave it, never what it
  /// resolves to.
  public static func pathNotAllowed(param: String, index: Int, input: JSONValue, reason: String) -> RPCError {
    RPCError(
      code: Code.pathNotAllowed, message: "\(param)[\(index)]: \(reason)",
      data: ["param": .string(param), "index": JSONValue(index), "input": input, "reason": .string(reason)])
  }

  /// Input `index` is malformed (invalid base64, a bad `data:` URI): invalid params, with the same `data` as
  /// `inputFailed`.
  public static func invalidInput(param: String, index: Int, input: JSONValue, reason: String) -> RPCError {
    RPCError(
      code: Code.invalidParams, message: "Invalid params: \(param)[\(index)]: \(reason)",
      data: ["param": .string(param), "index": JSONValue(index), "input": input, "reason": .string(reason)])
  }

  public static func modelUnavailable(_ reason: String) -> RPCError {
    RPCError(code: Code.modelUnavailable, message: "Model unavailable: \(reason)", data: ["reason": .string(reason)])
  }

  public static let shuttingDown = RPCError(code: Code.shuttingDown, message: "The server is shutting down")

  public static func messageTooLarge(byteCount: Int, limit: Int) -> RPCError {
    RPCError(
      code: Code.messageTooLarge, message: "Message of \(byteCount) bytes exceeds the limit of \(limit) bytes",
      data: ["byteCount": JSONValue(byteCount), "limit": JSONValue(limit)])
  }
}
