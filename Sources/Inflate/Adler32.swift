/// The Adler-32 checksum of RFC 1950 (the zlib trailer).
public enum Adler32 {
  /// The checksum of `bytes`, continuing from `start` (1 for a fresh checksum).
  /// - Complexity: O(n); the modulo runs once per 5552 bytes, the longest run whose sums cannot overflow 32 bits,
  ///   so the additions can skip the overflow check (`&+=`). Iterating a slice checks its bounds once, not per byte.
  public static func checksum(_ bytes: [UInt8], start: UInt32 = 1) -> UInt32 {
    var a = start & 0xffff, b = start >> 16
    let base: UInt32 = 65521
    var i = 0
    while i < bytes.count {
      let end = min(i + 5552, bytes.count)
      for byte in bytes[i..<end] {
        a &+= UInt32(byte)
        b &+= a
      }
      a %= base
      b %= base
      i = end
    }
    return b << 16 | a
  }
}
