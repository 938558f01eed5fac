import JSONRPC
import Testing

/// RFC 8259 conformance of the parser: what it must accept (and how it reads it) and what it must refuse
/// (and which error it names).
@Suite(.timeLimit(.minutes(5))) struct JSONParserTests {
  @Test(arguments: [
    ("0", "0"), ("-0", "-0"), ("123", "123"), ("-12.5e+3", "-12.5e+3"), ("1E-7", "1E-7"), ("0.000", "0.000"),
    ("12345678901234567890123", "12345678901234567890123"), ("1e400", "1e400"),
  ])
  func numbersKeepTheirText(text: String, expected: String) throws {
    #expect(try JSONParser.parse(text) == .number(JSONNumber(validatedTextForTests: expected)))
    #expect(try JSONParser.parse(text).description == expected)
  }

  @Test func integerIDsReadAsInt64() throws {
    #expect(try JSONParser.parse("9223372036854775807").numberValue?.int64Value == Int64.max)
    #expect(try JSONParser.parse("9223372036854775808").numberValue?.int64Value == nil)
    #expect(try JSONParser.parse("2.5").numberValue?.doubleValue == 2.5)
  }

  @Test(arguments: ["01", "-", "1.", ".5", "1e", "1e+", "+1", "-01", "0x10", "1.e5", "--1"])
  func invalidNumbersAreRefused(text: String) {
    #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
  }

  @Test func invalidNumberNamesItsOffset() {
    #expect(throws: JSONParseError.invalidNumber(offset: 1)) { try JSONParser.parse("[01]") }
    #expect(throws: JSONParseError.invalidNumber(offset: 0)) { try JSONParser.parse("1.") }
  }

  @Test func literalsAndStructures() throws {
    let value = try JSONParser.parse(" {\"a\" : [true, false, null, {}, []], \"b\":\"x\"} \r\n")
    #expect(value == ["a": [true, false, nil, .object(JSONObject()), []], "b": "x"])
    #expect(value.objectValue?.keys == ["a", "b"])
  }

  @Test func escapes() throws {
    #expect(try JSONParser.parse(#""\" \\ \/ \b \f \n \r \t""#) == .string("\" \\ / \u{8} \u{C} \n \r \t"))
    #expect(try JSONParser.parse(#""\u0041\u00e9\u4E2D""#) == .string("Aé中"))
    #expect(try JSONParser.parse(#""\u0000""#) == .string("\u{0}"))
  }

  @Test func surrogatePairsCombine() throws {
    #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
    #expect(try JSONParser.parse(#""\uD834\uDD1E""#) == .string("𝄞"))
  }

  @Test func loneSurrogatesBecomeReplacementCharacters() throws {
    #expect(try JSONParser.parse(#""\ud800""#) == .string("\u{FFFD}"))
    #expect(try JSONParser.parse(#""a\udc00b""#) == .string("a\u{FFFD}b"))
    #expect(try JSONParser.parse(#""\ud800\u0041""#) == .string("\u{FFFD}A"))
    #expect(try JSONParser.parse(#""\ud800\ud800\udc00""#) == .string("\u{FFFD}𐀀"))
  }

  @Test func rawUTF8IsKept() throws {
    #expect(try JSONParser.parse("\"héllo 😀 中\"") == .string("héllo 😀 中"))
  }

  @Test(
    arguments: [
      [0x22, 0xC0, 0xAF, 0x22],  // overlong '/'
      [0x22, 0xED, 0xA0, 0x80, 0x22],  // encoded surrogate U+D800
      [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // beyond U+10FFFF
      [0x22, 0xE4, 0xB8, 0x22],  // truncated sequence
      [0x22, 0xFF, 0x22],  // never valid
      [0x22, 0x80, 0x22],  // lone continuation byte
    ] as [[UInt8]])
  func invalidUTF8IsRefused(bytes: [UInt8]) {
    #expect(throws: JSONParseError.invalidUTF8(offset: 1)) { try JSONParser.parse(bytes) }
  }

  @Test func stringErrors() {
    #expect(throws: JSONParseError.controlCharacterInString(offset: 2)) { try JSONParser.parse("\"a\nb\"") }
    #expect(throws: JSONParseError.invalidEscape(offset: 1)) { try JSONParser.parse(#""\x""#) }
    #expect(throws: JSONParseError.invalidEscape(offset: 1)) { try JSONParser.parse(#""\u12G4""#) }
    #expect(throws: JSONParseError.unexpectedEnd) { try JSONParser.parse(#""abc"#) }
    #expect(throws: JSONParseError.unexpectedEnd) { try JSONParser.parse(#""\u12"#) }
  }

  @Test func structuralErrors() {
    #expect(throws: JSONParseError.unexpectedEnd) { try JSONParser.parse("") }
    #expect(throws: JSONParseError.unexpectedEnd) { try JSONParser.parse("  ") }
    #expect(throws: JSONParseError.unexpectedEnd) { try JSONParser.parse("[1,") }
    #expect(throws: JSONParseError.unexpectedByte(UInt8(ascii: "]"), offset: 3)) { try JSONParser.parse("[1,]") }
    #expect(throws: JSONParseError.unexpectedByte(UInt8(ascii: "}"), offset: 7)) { try JSONParser.parse(#"{"a":1,}"#) }
    #expect(throws: JSONParseError.unexpectedByte(UInt8(ascii: "1"), offset: 1)) { try JSONParser.parse("{1:2}") }
    #expect(throws: JSONParseError.unexpectedByte(UInt8(ascii: "2"), offset: 5)) { try JSONParser.parse(#"{"a" 2}"#) }
    #expect(throws: JSONParseError.unexpectedByte(UInt8(ascii: "'"), offset: 0)) { try JSONParser.parse("'a'") }
    #expect(throws: JSONParseError.unexpectedByte(UInt8(ascii: "x"), offset: 2)) { try JSONParser.parse("trxe") }
    #expect(throws: JSONParseError.trailingData(offset: 2)) { try JSONParser.parse("1 2") }
    #expect(throws: JSONParseError.trailingData(offset: 2)) { try JSONParser.parse("{}{}") }
    #expect(throws: JSONParseError.unexpectedByte(0x0B, offset: 0)) { try JSONParser.parse([0x0B, 0x31]) }
  }

  @Test func duplicateKeysAreRefused() {
    #expect(throws: JSONParseError.duplicateKey("a", offset: 8)) { try JSONParser.parse(#"{"a":1, "a":2}"#) }
  }

  @Test func depthLimit() throws {
    let ok = String(repeating: "[", count: 5) + String(repeating: "]", count: 5)
    #expect(try JSONParser.parse(ok, maxDepth: 5) == [[[[[]]]]])
    let deep = String(repeating: "[", count: 6) + String(repeating: "]", count: 6)
    #expect(throws: JSONParseError.tooDeep(limit: 5, offset: 5)) { try JSONParser.parse(deep, maxDepth: 5) }
    #expect(throws: JSONParseError.tooDeep(limit: 1, offset: 5)) { try JSONParser.parse(#"{"a":{}}"#, maxDepth: 1) }
    #expect(try JSONParser.parse("1", maxDepth: 0) == 1)
  }

  @Test func hostileDepthDoesNotExhaustTheStack() {
    let hostile = [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000)
    #expect(throws: JSONParseError.tooDeep(limit: JSONParser.defaultMaxDepth, offset: JSONParser.defaultMaxDepth)) {
      try JSONParser.parse(hostile)
    }
  }

  @Test func errorsDescribeThemselves() {
    #expect(JSONParseError.unexpectedByte(UInt8(ascii: "x"), offset: 3).description == "unexpected 'x' at offset 3")
    #expect(JSONParseError.unexpectedByte(0x01, offset: 0).description == "unexpected byte 0x1 at offset 0")
    #expect(JSONParseError.tooDeep(limit: 2, offset: 9).description == "nesting deeper than 2 levels at offset 9")
  }
}

extension JSONNumber {
  /// A number from text known to be valid, for expectations.
  init(validatedTextForTests text: String) {
    guard case let .number(number)? = try? JSONParser.parse(text) else { fatalError("not a number: \(text)") }
    self = number
  }
}
