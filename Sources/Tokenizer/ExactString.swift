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

  /// FNV-1a over the bytes, fed to the hasher once: per-byte `combine` made loading a 256,000-token vocabulary
  /// twice as slow.
  func hash(into hasher: inout Hasher) {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in value.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    hasher.combine(hash)
  }
}
