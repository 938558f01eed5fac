/// Why a text is not the JSON this parser accepts. Offsets count bytes from the start of the input.
public enum JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The input ended inside a value (or held no value at all).
  case unexpectedEnd
  /// A byte that cannot start or continue the value being read.
  case unexpectedByte(UInt8, offset: Int)
  /// A number that does not follow RFC 8259's grammar (`01`, `1.`, `-`, `.5`, `1e`).
  case invalidNumber(offset: Int)
  /// A backslash escape other than `\" \\ \/ \b \f \n \r \t \uXXXX`.
  case invalidEscape(offset: Int)
  /// An unescaped control character (U+0000 to U+001F) inside a string.
  case controlCharacterInString(offset: Int)
  /// Bytes that are not well-formed UTF-8 (overlong forms, encoded surrogates, beyond U+10FFFF, truncated).
  case invalidUTF8(offset: Int)
  /// Arrays and objects nested deeper than the limit.
  case tooDeep(limit: Int, offset: Int)
  /// The same key twice in one object.
  case duplicateKey(String, offset: Int)
  /// Something other than whitespace after the value.
  case trailingData(offset: Int)

  public var description: String {
    switch self {
    case .unexpectedEnd: return "unexpected end of input"
    case let .unexpectedByte(byte, offset):
      let shown =
        (0x20..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
      return "unexpected \(shown) at offset \(offset)"
    case let .invalidNumber(offset): return "invalid number at offset \(offset)"
    case let .invalidEscape(offset): return "invalid escape sequence at offset \(offset)"
    case let .controlCharacterInString(offset): return "unescaped control character in string at offset \(offset)"
    case let .invalidUTF8(offset): return "invalid UTF-8 at offset \(offset)"
    case let .tooDeep(limit, offset): return "nesting deeper than \(limit) levels at offset \(offset)"
    case let .duplicateKey(key, offset): return "duplicate key \"\(key)\" at offset \(offset)"
    case let .trailingData(offset): return "unexpected data after the value at offset \(offset)"
    }
  }
}
