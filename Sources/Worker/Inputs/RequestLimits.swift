import JSONRPC

/// Bounds on one request's inputs, checked when the request is read and before any work starts (the pixel total
/// once the images' sizes are known: after decoding, before any forward pass). Over a bound the request is
/// answered `-32602` naming the bound; `initialize` reports them (`limits`), the options set them.
public struct RequestLimits: Equatable, Sendable {
  /// Images in one request (`--max-request-images`).
  public var maxImages = 1024
  /// Texts in one request: `encodeText`'s texts, `classify`'s labels (`--max-request-texts`).
  public var maxTexts = 16384
  /// UTF-8 bytes of all of one request's texts, after the template is applied (`--max-request-text-mb`).
  public var maxTextBytes = 64 * 1024 * 1024
  /// Decoded pixels of all of one request's images that are not cached (`--max-request-pixels`).
  public var maxPixels = 400_000_000

  public init() {}

  /// The names `initialize` reports them by, with their values.
  var jsonMembers: [(String, JSONValue)] {
    [
      ("maxRequestImages", JSONValue(maxImages)), ("maxRequestTexts", JSONValue(maxTexts)),
      ("maxRequestTextBytes", JSONValue(maxTextBytes)), ("maxRequestPixels", JSONValue(maxPixels)),
    ]
  }

  /// Refuses a request with more images or texts, or more text bytes, than the limits allow.
  func check(images: Int = 0, texts: [String] = []) throws(RPCError) {
    if images > maxImages { throw .limitExceeded("maxRequestImages", limit: maxImages, found: images) }
    if texts.count > maxTexts { throw .limitExceeded("maxRequestTexts", limit: maxTexts, found: texts.count) }
    let bytes = texts.reduce(0) { $0 + $1.utf8.count }
    if bytes > maxTextBytes { throw .limitExceeded("maxRequestTextBytes", limit: maxTextBytes, found: bytes) }
  }
}

extension RPCError {
  /// A request over one of the `RequestLimits`: invalid params, naming the limit (as `initialize` reports it).
  static func limitExceeded(_ limit: String, limit value: Int, found: Int) -> RPCError {
    RPCError(
      code: Code.invalidParams, message: "Invalid params: \(found) is over the limit \(limit) = \(value)",
      data: ["limit": .string(limit), "value": JSONValue(value), "found": JSONValue(found)])
  }
}
