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
}

extension RPCError {
  /// Input `index` of parameter `param` failed: an unreadable file, bad base64, an undecodable or too
  /// large image. The request fails; nothing else is affected.
  public static func inputFailed(param: String, index: Int, input: JSONValue, reason: String) -> RPCError {
    RPCError(
      code: Code.inputFailed, message: "\(param)[\(index)]: \(reason)",
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
