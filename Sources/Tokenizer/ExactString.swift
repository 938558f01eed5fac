/// A string compared and hashed by its UTF-8 bytes, not by Swift's canonical equivalence: a vocabulary may hold
/// "ά" U+1F71 and "ά" U+03AC as two tokens, and the references (Rust, C++, Python) tell them apart.
struct ExactString: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
  let value: String

  init(_ value: String) { self.value = value }
  init(stringLiteral value: String) { self.value = value }

  var description: String { value }

  static func == (left: ExactString, right: ExactString) -> Bool {
    left.value.utf8.elementsEqual(right.value.utf8)
  }

  func hash(into hasher: inout Hasher) {
    for byte in value.utf8 { hasher.combine(byte) }
  }
}
