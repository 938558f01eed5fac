/// The CRC-32 of ISO 3309 / PNG (polynomial 0xEDB88320, reflected), computed eight bytes at a time
/// ("slicing by 8") because a photo's IDAT data runs to megabytes.
enum CRC32 {
  /// `tables[k * 256 + b]`: the CRC of byte `b` followed by `k` zero bytes.
  static let tables: [UInt32] = {
    var t = [UInt32](repeating: 0, count: 8 * 256)
    for n in 0..<256 {
      var c = UInt32(n)
      for _ in 0..<8 { c = c & 1 == 1 ? 0xedb8_8320 ^ (c >> 1) : c >> 1 }
      t[n] = c
    }
    for k in 1..<8 {
      for n in 0..<256 { t[k * 256 + n] = t[(k - 1) * 256 + n] >> 8 ^ t[Int(t[(k - 1) * 256 + n] & 0xff)] }
    }
    return t
  }()

  /// The CRC of `bytes[range]`.
  static func checksum(_ bytes: [UInt8], _ range: Range<Int>) -> UInt32 {
    let t = tables
    var crc: UInt32 = 0xffff_ffff
    var i = range.lowerBound
    while i + 8 <= range.upperBound {
      let lo = crc ^ (UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16
        | UInt32(bytes[i + 3]) << 24)
      crc = t[7 * 256 + Int(lo & 0xff)] ^ t[6 * 256 + Int(lo >> 8 & 0xff)]
        ^ t[5 * 256 + Int(lo >> 16 & 0xff)] ^ t[4 * 256 + Int(lo >> 24)]
        ^ t[3 * 256 + Int(bytes[i + 4])] ^ t[2 * 256 + Int(bytes[i + 5])]
        ^ t[256 + Int(bytes[i + 6])] ^ t[Int(bytes[i + 7])]
      i += 8
    }
    while i < range.upperBound {
      crc = t[Int((crc ^ UInt32(bytes[i])) & 0xff)] ^ crc >> 8
      i += 1
    }
    return ~crc
  }
}
