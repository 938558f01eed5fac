/// A strict RFC 8259 parser for untrusted input: one value with optional surrounding whitespace, strings
/// checked as UTF-8, numbers checked against the grammar and kept as text, duplicate keys refused, and
/// nesting bounded so that hostile input cannot exhaust the stack.
///
/// One liberty: a `\uD800`-`\uDFFF` escape that is not part of a surrogate pair cannot be held by a Swift
/// `String`; it becomes U+FFFD REPLACEMENT CHARACTER instead of failing the whole message (Python's
/// `json.dumps` writes such escapes for strings that hold lone surrogates).
public struct JSONParser {
  /// The default nesting limit: deep enough for any honest message of this protocol.
  public static let defaultMaxDepth = 128

  private let bytes: [UInt8]
  private let maxDepth: Int
  private var position = 0

  private init(bytes: [UInt8], maxDepth: Int) {
    self.bytes = bytes
    self.maxDepth = maxDepth
  }

  /// Parses one JSON text.
  /// - Parameter maxDepth: the deepest accepted nesting of arrays and objects (a bare scalar is depth 0,
  ///   `[]` is depth 1).
  /// - Throws: `JSONParseError`.
  /// - Complexity: O(n) in the length of the input.
  public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws -> JSONValue {
    var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
    parser.skipWhitespace()
    let value = try parser.parseValue(depth: 0)
    parser.skipWhitespace()
    guard parser.position == bytes.count else { throw JSONParseError.trailingData(offset: parser.position) }
    return value
  }

  /// Parses a JSON text given as a Swift string.
  public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws -> JSONValue {
    try parse(Array(text.utf8), maxDepth: maxDepth)
  }

  /// Whether `text` is exactly one number in RFC 8259's grammar.
  public static func isNumber(_ text: [UInt8]) -> Bool {
    var parser = JSONParser(bytes: text, maxDepth: 0)
    guard (try? parser.parseNumber()) != nil else { return false }
    return parser.position == text.count
  }

  // MARK: - Values

  private mutating func parseValue(depth: Int) throws -> JSONValue {
    guard position < bytes.count else { throw JSONParseError.unexpectedEnd }
    switch bytes[position] {
    case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
    case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
    case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
    case UInt8(ascii: "n"): try expectLiteral("null"); return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
    case let byte: throw JSONParseError.unexpectedByte(byte, offset: position)
    }
  }

  private mutating func parseObject(depth: Int) throws -> JSONValue {
    guard depth <= maxDepth else { throw JSONParseError.tooDeep(limit: maxDepth, offset: position) }
    position += 1  // {
    var object = JSONObject()
    skipWhitespace()
    if try peek() == UInt8(ascii: "}") {
      position += 1
      return .object(object)
    }
    while true {
      skipWhitespace()
      let keyOffset = position
      guard try peek() == UInt8(ascii: "\"") else {
        throw JSONParseError.unexpectedByte(bytes[position], offset: position)
      }
      let key = try parseString()
      skipWhitespace()
      try expect(UInt8(ascii: ":"))
      skipWhitespace()
      let value = try parseValue(depth: depth)
      guard object.appendIfNew(key, value) else { throw JSONParseError.duplicateKey(key, offset: keyOffset) }
      skipWhitespace()
      switch try peek() {
      case UInt8(ascii: ","): position += 1
      case UInt8(ascii: "}"): position += 1; return .object(object)
      case let byte: throw JSONParseError.unexpectedByte(byte, offset: position)
      }
    }
  }

  private mutating func parseArray(depth: Int) throws -> JSONValue {
    guard depth <= maxDepth else { throw JSONParseError.tooDeep(limit: maxDepth, offset: position) }
    position += 1  // [
    var elements: [JSONValue] = []
    skipWhitespace()
    if try peek() == UInt8(ascii: "]") {
      position += 1
      return .array(elements)
    }
    while true {
      skipWhitespace()
      elements.append(try parseValue(depth: depth))
      skipWhitespace()
      switch try peek() {
      case UInt8(ascii: ","): position += 1
      case UInt8(ascii: "]"): position += 1; return .array(elements)
      case let byte: throw JSONParseError.unexpectedByte(byte, offset: position)
      }
    }
  }

  // MARK: - Numbers

  /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
  private mutating func parseNumber() throws -> JSONNumber {
    let start = position
    if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
    guard position < bytes.count, isDigit(bytes[position]) else { throw JSONParseError.invalidNumber(offset: start) }
    if bytes[position] == UInt8(ascii: "0") {
      position += 1
      if position < bytes.count, isDigit(bytes[position]) { throw JSONParseError.invalidNumber(offset: start) }
    } else {
      skipDigits()
    }
    if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
      position += 1
      guard position < bytes.count, isDigit(bytes[position]) else { throw JSONParseError.invalidNumber(offset: start) }
      skipDigits()
    }
    if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
      position += 1
      if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
        position += 1
      }
      guard position < bytes.count, isDigit(bytes[position]) else { throw JSONParseError.invalidNumber(offset: start) }
      skipDigits()
    }
    return JSONNumber(validatedText: String(decoding: bytes[start..<position], as: UTF8.self))
  }

  private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

  private mutating func skipDigits() {
    while position < bytes.count, isDigit(bytes[position]) { position += 1 }
  }

  // MARK: - Strings

  private mutating func parseString() throws -> String {
    position += 1  // opening quote
    var utf8: [UInt8] = []
    while true {
      guard position < bytes.count else { throw JSONParseError.unexpectedEnd }
      let byte = bytes[position]
      switch byte {
      case UInt8(ascii: "\""):
        position += 1
        return String(decoding: utf8, as: UTF8.self)  // already validated: decoding repairs nothing
      case UInt8(ascii: "\\"):
        try parseEscape(into: &utf8)
      case 0..<0x20:
        throw JSONParseError.controlCharacterInString(offset: position)
      case 0..<0x80:
        // A run of plain ASCII is copied at once: base64 image data is megabytes of it.
        let start = position
        position += 1
        while position < bytes.count, bytes[position] >= 0x20, bytes[position] < 0x80,
          bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\")
        {
          position += 1
        }
        utf8.append(contentsOf: bytes[start..<position])
      default:
        let length = try validatedUTF8SequenceLength(at: position)
        utf8.append(contentsOf: bytes[position..<position + length])
        position += length
      }
    }
  }

  private mutating func parseEscape(into utf8: inout [UInt8]) throws {
    let start = position
    position += 1  // backslash
    guard position < bytes.count else { throw JSONParseError.unexpectedEnd }
    let escaped = bytes[position]
    position += 1
    switch escaped {
    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escaped)
    case UInt8(ascii: "b"): utf8.append(0x08)
    case UInt8(ascii: "f"): utf8.append(0x0C)
    case UInt8(ascii: "n"): utf8.append(0x0A)
    case UInt8(ascii: "r"): utf8.append(0x0D)
    case UInt8(ascii: "t"): utf8.append(0x09)
    case UInt8(ascii: "u"):
      let unit = try parseHex4(escapeStart: start)
      var scalar = Unicode.Scalar(unit)
      if (0xD800..<0xDC00).contains(unit), let low = try peekLowSurrogateEscape() {
        position += 6
        scalar = Unicode.Scalar(0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00))
      }
      utf8.append(contentsOf: String(Character(scalar ?? "\u{FFFD}")).utf8)
    default:
      throw JSONParseError.invalidEscape(offset: start)
    }
  }

  private mutating func parseHex4(escapeStart: Int) throws -> UInt16 {
    guard position + 4 <= bytes.count else { throw JSONParseError.unexpectedEnd }
    var value: UInt16 = 0
    for byte in bytes[position..<position + 4] {
      guard let digit = hexValue(byte) else { throw JSONParseError.invalidEscape(offset: escapeStart) }
      value = value << 4 | UInt16(digit)
    }
    position += 4
    return value
  }

  /// The low surrogate of a `\uDC00`-`\uDFFF` escape right at `position`, if there is one.
  private func peekLowSurrogateEscape() throws -> UInt16? {
    guard position + 6 <= bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
    else { return nil }
    var value: UInt16 = 0
    for byte in bytes[position + 2..<position + 6] {
      guard let digit = hexValue(byte) else { throw JSONParseError.invalidEscape(offset: position) }
      value = value << 4 | UInt16(digit)
    }
    return (0xDC00..<0xE000).contains(value) ? value : nil
  }

  private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
  }

  /// The length of the well-formed UTF-8 sequence starting with a non-ASCII byte at `offset` (Unicode
  /// Table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF).
  private func validatedUTF8SequenceLength(at offset: Int) throws -> Int {
    let lead = bytes[offset]
    let length: Int
    var secondRange: ClosedRange<UInt8> = 0x80...0xBF
    switch lead {
    case 0xC2...0xDF: length = 2
    case 0xE0: length = 3; secondRange = 0xA0...0xBF
    case 0xE1...0xEC, 0xEE...0xEF: length = 3
    case 0xED: length = 3; secondRange = 0x80...0x9F
    case 0xF0: length = 4; secondRange = 0x90...0xBF
    case 0xF1...0xF3: length = 4
    case 0xF4: length = 4; secondRange = 0x80...0x8F
    default: throw JSONParseError.invalidUTF8(offset: offset)
    }
    guard offset + length <= bytes.count else { throw JSONParseError.invalidUTF8(offset: offset) }
    guard secondRange.contains(bytes[offset + 1]) else { throw JSONParseError.invalidUTF8(offset: offset) }
    for index in offset + 2..<offset + length where !(0x80...0xBF).contains(bytes[index]) {
      throw JSONParseError.invalidUTF8(offset: offset)
    }
    return length
  }

  // MARK: - Helpers

  private mutating func skipWhitespace() {
    while position < bytes.count {
      switch bytes[position] {
      case 0x20, 0x09, 0x0A, 0x0D: position += 1
      default: return
      }
    }
  }

  private func peek() throws -> UInt8 {
    guard position < bytes.count else { throw JSONParseError.unexpectedEnd }
    return bytes[position]
  }

  private mutating func expect(_ byte: UInt8) throws {
    let found = try peek()
    guard found == byte else { throw JSONParseError.unexpectedByte(found, offset: position) }
    position += 1
  }

  private mutating func expectLiteral(_ literal: String) throws {
    for expected in literal.utf8 {
      let found = try peek()
      guard found == expected else { throw JSONParseError.unexpectedByte(found, offset: position) }
      position += 1
    }
  }
}
