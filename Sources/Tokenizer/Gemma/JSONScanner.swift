import Foundation

/// A strict JSON reader over UTF-8 bytes that lets its caller walk objects and arrays member by member, so the
/// large parts of a file (a `tokenizer.json`'s 256,000-entry vocabulary and its merges) go straight into the
/// tables that need them, and the rest is skipped or read as Foundation-style values (`[String: Any]`, `[Any]`,
/// `String`, `Int`, `Double`, `Bool`, `NSNull`).
///
/// Errors are `TokenizerError.invalidJSON` naming the file and the byte offset.
struct JSONScanner {
  private let bytes: [UInt8]
  private(set) var index = 0
  let path: String

  init(_ bytes: [UInt8], path: String) {
    self.bytes = bytes
    self.path = path
  }

  func error(_ reason: String) -> TokenizerError {
    TokenizerError.invalidJSON(path: path, reason: "\(reason) at byte \(index)")
  }

  mutating func skipWhitespace() {
    while index < bytes.count {
      switch bytes[index] {
      case 0x20, 0x09, 0x0A, 0x0D: index += 1
      default: return
      }
    }
  }

  /// The next byte after whitespace, not consumed.
  mutating func peek() -> UInt8? {
    skipWhitespace()
    return index < bytes.count ? bytes[index] : nil
  }

  mutating func expect(_ byte: UInt8) throws {
    guard peek() == byte else { throw error("expected \(Character(Unicode.Scalar(byte)).debugDescription)") }
    index += 1
  }

  /// Whether the next byte is `byte` (`}` or `]`), consumed if so.
  mutating func closes(_ byte: UInt8) -> Bool {
    guard peek() == byte else { return false }
    index += 1
    return true
  }

  /// After the whole value: only whitespace may follow.
  mutating func expectEnd() throws {
    guard peek() == nil else { throw error("unexpected data after the JSON value") }
  }

  // MARK: Containers

  /// Consumes `{`; then call `nextMember(first:)` until it returns nil.
  mutating func enterObject() throws { try expect(UInt8(ascii: "{")) }

  /// The next member's key (its value is next in line), or nil after the closing `}`.
  mutating func nextMember(first: inout Bool) throws -> String? {
    if peek() == UInt8(ascii: "}") {
      index += 1
      return nil
    }
    if !first { try expect(UInt8(ascii: ",")) }
    first = false
    guard peek() == UInt8(ascii: "\"") else { throw error("expected a member name") }
    let key = try string()
    try expect(UInt8(ascii: ":"))
    return key
  }

  /// Consumes `[`; then call `nextElement(first:)` until it returns false.
  mutating func enterArray() throws { try expect(UInt8(ascii: "[")) }

  /// Whether another element follows (positioned at it), false after the closing `]`.
  mutating func nextElement(first: inout Bool) throws -> Bool {
    if peek() == UInt8(ascii: "]") {
      index += 1
      return false
    }
    if !first { try expect(UInt8(ascii: ",")) }
    first = false
    return true
  }

  // MARK: Scalars

  /// A string's UTF-8 bytes: a slice of the input when the string has no escapes (checked to be UTF-8), else the
  /// decoded string's bytes.
  mutating func stringBytes() throws -> ArraySlice<UInt8> {
    guard peek() == UInt8(ascii: "\"") else { throw error("expected a string") }
    let quote = index
    var position = index + 1
    var ascii = true
    while position < bytes.count {
      let byte = bytes[position]
      if byte == UInt8(ascii: "\"") {
        let slice = bytes[(quote + 1)..<position]
        guard ascii || Self.isValidUTF8(slice) else { throw error("invalid UTF-8") }
        index = position + 1
        return slice
      }
      if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
      if byte >= 0x80 { ascii = false }
      position += 1
    }
    return Array(try string().utf8)[...]
  }

  /// Well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or values above U+10FFFF).
  static func isValidUTF8(_ bytes: ArraySlice<UInt8>) -> Bool {
    var index = bytes.startIndex
    while index < bytes.endIndex {
      let lead = bytes[index]
      if lead < 0x80 {
        index += 1
        continue
      }
      let length: Int
      var low: UInt8 = 0x80
      var high: UInt8 = 0xBF
      switch lead {
      case 0xC2...0xDF: length = 2
      case 0xE0: length = 3; low = 0xA0
      case 0xE1...0xEC, 0xEE...0xEF: length = 3
      case 0xED: length = 3; high = 0x9F
      case 0xF0: length = 4; low = 0x90
      case 0xF1...0xF3: length = 4
      case 0xF4: length = 4; high = 0x8F
      default: return false
      }
      guard bytes.endIndex - index >= length, (low...high).contains(bytes[index + 1]) else { return false }
      for offset in 2..<max(length, 2) where !(0x80...0xBF).contains(bytes[index + offset]) { return false }
      index += length
    }
    return true
  }

  mutating func string() throws -> String {
    try expect(UInt8(ascii: "\""))
    let start = index
    // Fast path: no escapes; ASCII needs no validation.
    var ascii = true
    while index < bytes.count {
      let byte = bytes[index]
      if byte == UInt8(ascii: "\"") {
        let text: String
        if ascii {
          text = String(decoding: bytes[start..<index], as: UTF8.self)
        } else {
          guard let valid = String(validating: bytes[start..<index], as: UTF8.self) else {
            throw error("invalid UTF-8")
          }
          text = valid
        }
        index += 1
        return text
      }
      if byte >= 0x80 { ascii = false }
      if byte == UInt8(ascii: "\\") { break }
      guard byte >= 0x20 else { throw error("a control character in a string") }
      index += 1
    }
    var scalars = String.UnicodeScalarView()
    guard let head = String(validating: bytes[start..<index], as: UTF8.self) else { throw error("invalid UTF-8") }
    scalars.append(contentsOf: head.unicodeScalars)
    var runStart = index
    func flush(_ end: Int) throws {
      guard runStart < end else { return }
      guard let run = String(validating: bytes[runStart..<end], as: UTF8.self) else { throw error("invalid UTF-8") }
      scalars.append(contentsOf: run.unicodeScalars)
    }
    while index < bytes.count {
      let byte = bytes[index]
      if byte == UInt8(ascii: "\"") {
        try flush(index)
        index += 1
        return String(scalars)
      }
      guard byte >= 0x20 else { throw error("a control character in a string") }
      guard byte == UInt8(ascii: "\\") else {
        index += 1
        continue
      }
      try flush(index)
      index += 1
      guard index < bytes.count else { break }
      let escape = bytes[index]
      index += 1
      switch escape {
      case UInt8(ascii: "\""): scalars.append("\"")
      case UInt8(ascii: "\\"): scalars.append("\\")
      case UInt8(ascii: "/"): scalars.append("/")
      case UInt8(ascii: "b"): scalars.append("\u{08}")
      case UInt8(ascii: "f"): scalars.append("\u{0C}")
      case UInt8(ascii: "n"): scalars.append("\n")
      case UInt8(ascii: "r"): scalars.append("\r")
      case UInt8(ascii: "t"): scalars.append("\t")
      case UInt8(ascii: "u"):
        let unit = try hex4()
        if (0xD800..<0xDC00).contains(unit) {
          guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
          else { throw error("a lone surrogate escape") }
          index += 2
          let low = try hex4()
          guard (0xDC00..<0xE000).contains(low) else { throw error("a lone surrogate escape") }
          scalars.append(Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!)
        } else {
          guard let scalar = Unicode.Scalar(unit) else { throw error("a lone surrogate escape") }
          scalars.append(scalar)
        }
      default:
        throw error("an invalid escape")
      }
      runStart = index
    }
    throw error("an unterminated string")
  }

  private mutating func hex4() throws -> UInt32 {
    guard index + 4 <= bytes.count else { throw error("a short \\u escape") }
    var value: UInt32 = 0
    for _ in 0..<4 {
      let byte = bytes[index]
      let digit: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
      default: throw error("an invalid \\u escape")
      }
      value = value << 4 | UInt32(digit)
      index += 1
    }
    return value
  }

  /// A number: `Int` when it is an integer that fits, else `Double`.
  mutating func number() throws -> Any {
    skipWhitespace()
    let start = index
    if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
    let digits = index
    while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
    guard index > digits else { throw error("expected a number") }
    guard bytes[digits] != UInt8(ascii: "0") || index == digits + 1 else { throw error("a number with a leading 0") }
    var integral = true
    if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
      integral = false
      index += 1
      let fraction = index
      while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
      guard index > fraction else { throw error("a number without fraction digits") }
    }
    if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
      integral = false
      index += 1
      if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
      let exponent = index
      while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
      guard index > exponent else { throw error("a number without exponent digits") }
    }
    let text = String(decoding: bytes[start..<index], as: UTF8.self)
    if integral, let value = Int(text) { return value }
    guard let value = Double(text) else { throw error("an invalid number") }
    return value
  }

  /// An integer value (a token id).
  mutating func integer() throws -> Int {
    guard let value = try number() as? Int else { throw error("expected an integer") }
    return value
  }

  private mutating func literal(_ word: String) throws {
    let expected = Array(word.utf8)
    guard index + expected.count <= bytes.count, bytes[index..<(index + expected.count)].elementsEqual(expected) else {
      throw error("an invalid literal")
    }
    index += expected.count
  }

  // MARK: Whole values

  /// The next value as Foundation-style objects. Nesting deeper than 512 levels is refused.
  mutating func value(depth: Int = 0) throws -> Any {
    guard depth < 512 else { throw error("nesting too deep") }
    switch peek() {
    case UInt8(ascii: "{"):
      try enterObject()
      var object: [String: Any] = [:]
      var first = true
      while let key = try nextMember(first: &first) { object[key] = try value(depth: depth + 1) }
      return object
    case UInt8(ascii: "["):
      try enterArray()
      var array: [Any] = []
      var first = true
      while try nextElement(first: &first) { array.append(try value(depth: depth + 1)) }
      return array
    case UInt8(ascii: "\""):
      return try string()
    case UInt8(ascii: "t"):
      try literal("true")
      return true
    case UInt8(ascii: "f"):
      try literal("false")
      return false
    case UInt8(ascii: "n"):
      try literal("null")
      return NSNull()
    case nil:
      throw error("unexpected end of the file")
    default:
      return try number()
    }
  }

  /// Skips the next value (checked as strictly as `value()` reads it).
  mutating func skipValue() throws {
    _ = try value()
  }
}
