/// A strict little HTML reader for the `--html` pages and the DOM a headless browser dumps: start and end tags must
/// balance (void elements excepted), attribute values are quoted or plain words, every `&` starts a known entity,
/// no stray `<` in text; `script` and `style` are raw text. Enough to say the page parses, and to read its elements.
struct HTMLScanner {
  struct Element {
    var name: String
    var attributes: [String: String]
    /// The text directly inside the element (entities decoded), child elements' text excluded.
    var text = ""
    /// The classes of `class`.
    var classes: Set<String> { Set((attributes["class"] ?? "").split(separator: " ").map(String.init)) }
  }

  struct Malformed: Error, CustomStringConvertible {
    var why: String
    var offset: Int
    var description: String { "malformed HTML at character \(offset): \(why)" }
  }

  /// Every element, in document order.
  private(set) var elements: [Element] = []

  private static let voidElements: Set<String> = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
  ]
  private static let entities: [String: String] = [
    "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}",
  ]

  /// - Parameter rawLessThanInAttributes: accept a `<` inside a quoted attribute value (valid HTML, and what some
  ///   browsers' serializers write); the pages clip-worker writes escape it.
  init(_ html: String, rawLessThanInAttributes: Bool = false) throws {
    let text = Array(html.unicodeScalars)
    var position = 0
    var open: [Int] = []  // indices into `elements`
    func fail(_ why: String) -> Malformed { Malformed(why: why, offset: position) }
    func starts(_ prefix: String) -> Bool {
      let scalars = Array(prefix.unicodeScalars)
      return position + scalars.count <= text.count && Array(text[position..<position + scalars.count]) == scalars
    }
    func decode(_ raw: ArraySlice<Unicode.Scalar>, lessThan: Bool = false) throws -> String {
      var result = ""
      var index = raw.startIndex
      while index < raw.endIndex {
        let scalar = raw[index]
        guard scalar == "&" else {
          guard scalar != "<" || lessThan else { throw fail("a raw < in text or an attribute value") }
          result.unicodeScalars.append(scalar)
          index += 1
          continue
        }
        guard let end = raw[index...].firstIndex(of: ";"), end - index <= 10 else { throw fail("a bare &") }
        let name = String(String.UnicodeScalarView(raw[(index + 1)..<end]))
        if name.hasPrefix("#"), let code = name.hasPrefix("#x") ? UInt32(name.dropFirst(2), radix: 16)
          : UInt32(name.dropFirst()), let decoded = Unicode.Scalar(code)
        {
          result.unicodeScalars.append(decoded)
        } else if let decoded = Self.entities[name] {
          result += decoded
        } else {
          throw fail("unknown entity &\(name);")
        }
        index = end + 1
      }
      return result
    }
    func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
      scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_"
        || scalar == ":"
    }
    func skipSpace() { while position < text.count, text[position].properties.isWhitespace { position += 1 } }
    func name() -> String {
      let start = position
      while position < text.count, isNameScalar(text[position]) { position += 1 }
      return String(String.UnicodeScalarView(text[start..<position])).lowercased()
    }

    while position < text.count {
      if text[position] != "<" {
        let start = position
        while position < text.count, text[position] != "<" { position += 1 }
        let chunk = try decode(text[start..<position])
        if let innermost = open.last { elements[innermost].text += chunk }
        continue
      }
      if starts("<!--") {
        while position < text.count, !starts("-->") { position += 1 }
        guard starts("-->") else { throw fail("an unclosed comment") }
        position += 3
        continue
      }
      if starts("<!") {
        while position < text.count, text[position] != ">" { position += 1 }
        position += 1
        continue
      }
      if starts("</") {
        position += 2
        let closing = name()
        skipSpace()
        guard position < text.count, text[position] == ">" else { throw fail("a bad end tag </\(closing)") }
        position += 1
        guard let innermost = open.popLast(), elements[innermost].name == closing else {
          throw fail("</\(closing)> does not close the innermost open element")
        }
        continue
      }
      position += 1
      let tag = name()
      guard !tag.isEmpty else { throw fail("a < that starts no tag") }
      var attributes: [String: String] = [:]
      while true {
        skipSpace()
        guard position < text.count else { throw fail("an unclosed <\(tag)") }
        if text[position] == ">" || starts("/>") { break }
        let attribute = name()
        guard !attribute.isEmpty else { throw fail("a bad attribute in <\(tag)>") }
        guard attributes[attribute] == nil else { throw fail("attribute \(attribute) twice in <\(tag)>") }
        skipSpace()
        guard position < text.count, text[position] == "=" else {
          attributes[attribute] = ""
          continue
        }
        position += 1
        skipSpace()
        guard position < text.count else { throw fail("an unclosed <\(tag)") }
        let quote = text[position]
        if quote == "\"" || quote == "'" {
          position += 1
          let start = position
          while position < text.count, text[position] != quote { position += 1 }
          guard position < text.count else { throw fail("an unclosed attribute value") }
          attributes[attribute] = try decode(text[start..<position], lessThan: rawLessThanInAttributes)
          position += 1
        } else {
          let start = position
          while position < text.count, !text[position].properties.isWhitespace, text[position] != ">" {
            position += 1
          }
          attributes[attribute] = try decode(text[start..<position])
        }
      }
      let selfClosing = starts("/>")
      position += selfClosing ? 2 : 1
      elements.append(Element(name: tag, attributes: attributes))
      if tag == "script" || tag == "style" {
        let end = "</\(tag)>"
        let start = position
        while position < text.count, !starts(end) { position += 1 }
        guard position < text.count else { throw fail("an unclosed <\(tag)>") }
        elements[elements.count - 1].text = String(String.UnicodeScalarView(text[start..<position]))
        position += end.unicodeScalars.count
        continue
      }
      if !Self.voidElements.contains(tag), !selfClosing { open.append(elements.count - 1) }
    }
    guard open.isEmpty else {
      throw Malformed(why: "unclosed elements: \(open.map { elements[$0].name })", offset: position)
    }
  }

  /// The elements of class `name`, in document order.
  func elements(withClass name: String) -> [Element] { elements.filter { $0.classes.contains(name) } }
}
