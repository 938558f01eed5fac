/// GPT-2's byte-to-symbol table (`bytes_to_unicode`): every byte becomes a printable scalar, so byte strings can be
/// vocabulary keys. Printable Latin-1 bytes map to themselves; the others, in order, to U+0100, U+0101, ...
enum ByteLevel {
  static let symbols: [Unicode.Scalar] = {
    var table = [Unicode.Scalar](repeating: "\0", count: 256)
    var next: UInt32 = 256
    for byte in 0..<256 {
      switch byte {
      case 0x21...0x7E, 0xA1...0xAC, 0xAE...0xFF:
        table[byte] = Unicode.Scalar(UInt8(byte))
      default:
        table[byte] = Unicode.Scalar(next)!
        next += 1
      }
    }
    return table
  }()
}
