/// A JSON number, kept as its text so that nothing is lost: a request id such as `12345678901234567890`
/// or `1.50` is echoed back exactly as the client wrote it. The text always matches RFC 8259's number
/// grammar: the parser checks it, and numbers made from Swift values are written that way.
public struct JSONNumber: Hashable, Sendable, CustomStringConvertible {
  /// The number as it appears in JSON text.
  public let text: String

  /// Wraps text the parser has already checked against the number grammar.
  init(validatedText: String) { text = validatedText }

  public init(_ value: Int) { text = String(value) }
  public init(_ value: Int64) { text = String(value) }

  /// The shortest text that reads back as the same `Double` (Swift's `description` is shortest
  /// round-trip). JSON has no NaN or infinity; precondition: `value.isFinite`.
  public init(_ value: Double) {
    precondition(value.isFinite, "JSONNumber: \(value) is not representable in JSON")
    text = JSONNumber.jsonText(value.description)
  }

  /// The shortest text that reads back as the same `Float`. Precondition: `value.isFinite`.
  public init(_ value: Float) {
    precondition(value.isFinite, "JSONNumber: \(value) is not representable in JSON")
    text = JSONNumber.jsonText(value.description)
  }

  /// Swift writes `5e-05` and `1e+16`, which JSON accepts as they are; `-0.0` and `1.0` are valid too.
  /// Only the fractional exponent form without digits could differ, and Swift never writes it, so the
  /// description is used unchanged; this function exists to check that in debug builds.
  private static func jsonText(_ description: String) -> String {
    assert(JSONParser.isNumber(Array(description.utf8)), "not JSON number text: \(description)")
    return description
  }

  /// The value when the text is an integer (no fraction, no exponent) that fits in 64 bits.
  public var int64Value: Int64? { Int64(text) }

  /// The value when the text is an integer that fits in `Int`.
  public var intValue: Int? { Int(text) }

  /// The nearest `Double`; very large exponents give ±infinity.
  public var doubleValue: Double { Double(text) ?? .nan }

  public var description: String { text }
}
