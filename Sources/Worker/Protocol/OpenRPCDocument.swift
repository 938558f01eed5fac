import JSONRPC

/// The machine-readable description of the protocol that `rpc.discover` returns: protocol/openrpc.json itself,
/// embedded at build time by the EmbedOpenRPC plugin (`text`, `version`).
enum OpenRPCDocument {
  /// The document parsed (the build refuses a file that is not JSON, so a failure here is a bug).
  static func json() throws -> JSONValue { try JSONParser.parse(text) }
}
