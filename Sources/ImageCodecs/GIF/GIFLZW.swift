/// The variable-width LZW decoder of GIF (codes packed least significant bit first, width growing from
/// `minimumCodeSize + 1` up to 12 bits, clear and end codes).
enum GIFLZW {
  /// Decodes `data` into exactly `count` palette indices, stopping once they are out (later codes are ignored).
  /// Throws `imageDataShort` if the end code or the end of the data comes first, as Pillow refuses such frames.
  /// - Complexity: O(data + count); strings are copied out of the table back to front, not via a stack.
  static func decode(_ data: [UInt8], minimumCodeSize: Int, count: Int) throws -> [UInt8] {
    var out = [UInt8](repeating: 0, count: count)
    let clear = 1 << minimumCodeSize, end = clear + 1
    // Entry `code`: the string is prefix[code]'s string followed by suffix[code]; length[code] is its length.
    var prefix = [UInt16](repeating: 0, count: 4096)
    var suffix = [UInt8](repeating: 0, count: 4096)
    var length = [Int](repeating: 1, count: 4096)
    var first = [UInt8](repeating: 0, count: 4096)  // each string's first byte
    for c in 0..<clear {
      suffix[c] = UInt8(truncatingIfNeeded: c)
      first[c] = UInt8(truncatingIfNeeded: c)
    }
    var width = minimumCodeSize + 1, next = clear + 2
    var previous = -1
    var bitBuffer = 0, bitCount = 0, position = 0
    var produced = 0
    func add(_ base: Int, _ byte: UInt8) {
      prefix[next] = UInt16(base)
      suffix[next] = byte
      length[next] = length[base] + 1
      first[next] = first[base]
      next += 1
      if next == 1 << width && width < 12 { width += 1 }
    }

    while produced < count {
      while bitCount < width {
        guard position < data.count else { throw GIFError.imageDataShort(decoded: produced, expected: count) }
        bitBuffer |= Int(data[position]) << bitCount
        position += 1
        bitCount += 8
      }
      let code = bitBuffer & (1 << width - 1)
      bitBuffer >>= width
      bitCount -= width
      if code == clear {
        width = minimumCodeSize + 1
        next = clear + 2
        previous = -1
        continue
      }
      if code == end { throw GIFError.imageDataShort(decoded: produced, expected: count) }
      var entry: Int
      if previous < 0 {
        guard code < clear else { throw GIFError.invalidCode(code, pixel: produced) }
        entry = code
      } else if code < next {
        entry = code
        if next < 4096 { add(previous, first[code]) }
      } else if code == next && next < 4096 {
        add(previous, first[previous])
        entry = code
      } else {
        throw GIFError.invalidCode(code, pixel: produced)
      }
      // Copy the string back to front, clipped at the image's end.
      let n = length[entry]
      var i = produced + n - 1
      while true {
        if i < count { out[i] = suffix[entry] }
        if entry < clear { break }
        entry = Int(prefix[entry])
        i -= 1
      }
      produced += n
      previous = code
    }
    return out
  }
}
