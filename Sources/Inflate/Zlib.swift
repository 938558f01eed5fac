/// zlib (RFC 1950) decompression: a two-byte header, a DEFLATE stream and a big-endian Adler-32 of the output.
public enum Zlib {
  /// Decompresses a zlib stream that must produce exactly `expectedSize` bytes (as a PNG image's does).
  ///
  /// A stream that would produce more throws `outputLimitExceeded`, one that ends earlier throws `outputTooShort`.
  /// Bytes after the Adler-32 trailer are ignored. The output is allocated once at `expectedSize`, unless that is
  /// more than DEFLATE's best ratio (1032:1) could produce from the input: then the buffer starts at that bound
  /// and grows only as data actually arrives, so a tiny file claiming a huge image cannot make us allocate it.
  public static func decompress(_ bytes: [UInt8], expectedSize: Int) throws -> [UInt8] {
    let capacity = min(expectedSize, bytes.count.multipliedReportingOverflow(by: 1032).partialValue + 1024)
    let output = try decompress(bytes, maxOutput: expectedSize, expectedSize: capacity)
    guard output.count == expectedSize else {
      throw InflateError.outputTooShort(expected: expectedSize, produced: output.count)
    }
    return output
  }

  /// Decompresses a zlib stream of unknown size, refusing to produce more than `maxOutput` bytes.
  public static func decompress(_ bytes: [UInt8], maxOutput: Int) throws -> [UInt8] {
    try decompress(bytes, maxOutput: maxOutput, expectedSize: nil)
  }

  static func decompress(_ bytes: [UInt8], maxOutput: Int, expectedSize: Int?) throws -> [UInt8] {
    guard bytes.count >= 2 else { throw InflateError.unexpectedEnd(inputLength: bytes.count) }
    let cmf = bytes[0], flg = bytes[1]
    guard (UInt16(cmf) << 8 | UInt16(flg)) % 31 == 0 else { throw InflateError.badZlibHeader(cmf: cmf, flg: flg) }
    guard cmf & 0x0f == 8, cmf >> 4 <= 7 else { throw InflateError.unsupportedCompression(cmf: cmf) }
    guard flg & 0x20 == 0 else { throw InflateError.presetDictionary }
    let (output, end) = try Deflate.inflate(bytes, from: 2, maxOutput: maxOutput, expectedSize: expectedSize)
    guard end + 4 <= bytes.count else { throw InflateError.unexpectedEnd(inputLength: bytes.count) }
    let declared = bytes[end..<(end + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    let computed = Adler32.checksum(output)
    guard declared == computed else { throw InflateError.badAdler32(declared: declared, computed: computed) }
    return output
  }
}
