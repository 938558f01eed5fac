/// The Adler-32 checksum of RFC 1950 (the zlib trailer).
public enum Adler32 {
  /// The checksum of `bytes`, continuing from `start` (1 for a fresh checksum).
  /// - Complexity: O(n); the modulo runs once per 5552 bytes, the longest run whose sums cannot overflow.
  public static func checksum(_ bytes: [UInt8], start: UInt32 = 1) -> UInt32 {
    var a = start & 0xffff, b = start >> 16
    let base: UInt32 = 65521
    bytes.withUnsafeBufferPointer { p in
      var i = 0
      while i < p.count {
        let end = min(i + 5552, p.count)
        while i < end {
          a &+= UInt32(p[i])
          b &+= a
          i += 1
        }
        a %= base
        b %= base
      }
    }
    return b << 16 | a
  }
}
