// Serialization: compact JSON (no whitespace), UTF-8, never containing a raw newline, so that every
// serialized value is exactly one line of the protocol.

extension JSONValue: CustomStringConvertible {
  /// The compact JSON text.
  public var description: String { String(decoding: serialized(), as: UTF8.self) }
}

extension JSONValue {
  /// The compact JSON text as UTF-8 bytes. Strings escape `"`, `\` and the control characters
  /// U+0000-U+001F (so a newline inside a string is written `\n`); everything else is written as UTF-8.
  /// Numbers are written as their text (shortest round-trip for numbers made from `Float`/`Double`).
  /// - Complexity: O(n) in the size of the output.
  public func serialized() -> [UInt8] {
    var output: [UInt8] = []
    write(to: &output)
    return output
  }

  /// Appends the compact JSON text to `output`.
  public func write(to output: inout [UInt8]) {
    switch self {
    case .null: output.append(contentsOf: "null".utf8)
    case let .bool(value): output.append(contentsOf: (value ? "true" : "false").utf8)
    case let .number(number): output.append(contentsOf: number.text.utf8)
    case let .string(string): JSONValue.writeString(string, to: &output)
    case let .array(elements):
      output.append(UInt8(ascii: "["))
      for (index, element) in elements.enumerated() {
        if index > 0 { output.append(UInt8(ascii: ",")) }
        element.write(to: &output)
      }
      output.append(UInt8(ascii: "]"))
    case let .object(object):
      output.append(UInt8(ascii: "{"))
      for (index, member) in object.members.enumerated() {
        if index > 0 { output.append(UInt8(ascii: ",")) }
        JSONValue.writeString(member.key, to: &output)
        output.append(UInt8(ascii: ":"))
        member.value.write(to: &output)
      }
      output.append(UInt8(ascii: "}"))
    }
  }

  private static let hexDigits = Array("0123456789abcdef".utf8)

  static func writeString(_ string: String, to output: inout [UInt8]) {
    output.append(UInt8(ascii: "\""))
    let utf8 = string.utf8
    // Bytes that need no escape are copied in runs: base64 data is megabytes of them.
    var runStart = utf8.startIndex
    var index = runStart
    while index != utf8.endIndex {
      let byte = utf8[index]
      guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else {
        index = utf8.index(after: index)
        continue
      }
      output.append(contentsOf: utf8[runStart..<index])
      output.append(UInt8(ascii: "\\"))
      switch byte {
      case UInt8(ascii: "\""), UInt8(ascii: "\\"): output.append(byte)
      case 0x0A: output.append(UInt8(ascii: "n"))
      case 0x0D: output.append(UInt8(ascii: "r"))
      case 0x09: output.append(UInt8(ascii: "t"))
      case 0x08: output.append(UInt8(ascii: "b"))
      case 0x0C: output.append(UInt8(ascii: "f"))
      default:
        output.append(contentsOf: "u00".utf8)
        output.append(hexDigits[Int(byte >> 4)])
        output.append(hexDigits[Int(byte & 0xF)])
      }
      index = utf8.index(after: index)
      runStart = index
    }
    output.append(contentsOf: utf8[runStart..<index])
    output.append(UInt8(ascii: "\""))
  }
}
