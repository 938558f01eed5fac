/// Reads a DEFLATE bit stream least significant bit first, 64 bits at a time.
///
/// Bytes past the end of the input read as zero so that the hot loop needs no per-byte end test; consuming one
/// of those padding bits is what `checkNotPastEnd` reports as truncation.
struct BitReader {
  let input: [UInt8]
  /// Bits not yet consumed, the next one in bit 0.
  var buffer: UInt64 = 0
  /// How many bits of `buffer` are valid.
  var count = 0
  /// The next input byte to load; may run past `input.count` by the zero bytes loaded as padding.
  var position: Int

  init(_ input: [UInt8], position: Int) {
    self.input = input
    self.position = position
  }

  /// The index of the byte that holds the next unread bit (for error messages).
  var offset: Int { (position * 8 - count) / 8 }

  /// Tops the buffer up to at least 56 bits.
  @inline(__always)
  mutating func refill() {
    if position &+ 8 <= input.count {
      // Branch-free refill: load 8 bytes, keep the whole bytes that fit. The eight subscripts are
      // bounds-checked once per refill, not per bit.
      let p = position
      var word = UInt64(input[p]) | UInt64(input[p &+ 1]) &<< 8 | UInt64(input[p &+ 2]) &<< 16
      word |= UInt64(input[p &+ 3]) &<< 24 | UInt64(input[p &+ 4]) &<< 32 | UInt64(input[p &+ 5]) &<< 40
      word |= UInt64(input[p &+ 6]) &<< 48 | UInt64(input[p &+ 7]) &<< 56
      buffer |= word &<< UInt64(count)
      position &+= (63 &- count) &>> 3
      count |= 56
    } else {
      while count <= 56 {
        let byte: UInt8 = position < input.count ? input[position] : 0
        buffer |= UInt64(byte) &<< UInt64(count)
        position += 1
        count += 8
      }
    }
  }

  /// Throws if any padding bit past the end of the input has been consumed, judging by `remaining` valid bits
  /// (by default those in the buffer now).
  @inline(__always)
  func checkNotPastEnd(remaining: Int? = nil) throws {
    if position > input.count && (position - input.count) * 8 > (remaining ?? count) {
      throw InflateError.unexpectedEnd(inputLength: input.count)
    }
  }

  /// Consumes and returns `n` bits (at most 32), refilling first.
  mutating func bits(_ n: Int) throws -> Int {
    if count < n { refill() }
    let v = Int(truncatingIfNeeded: buffer & (1 &<< UInt64(n) &- 1))
    buffer &>>= UInt64(n)
    count -= n
    try checkNotPastEnd()
    return v
  }

  /// Decodes one symbol of `table` and returns its entry with the code's bits consumed.
  mutating func decode(_ table: HuffmanTable) throws -> UInt32 {
    if count < 15 { refill() }
    var e = table.entries[Int(truncatingIfNeeded: buffer) & (1 << table.rootBits - 1)]
    if e & HuffmanTable.kindMask == HuffmanTable.link {
      buffer &>>= UInt64(table.rootBits)
      count -= table.rootBits
      e = table.entries[Int(e >> 16) + Int(truncatingIfNeeded: buffer) & (1 << Int(e >> 8 & 15) - 1)]
    }
    buffer &>>= UInt64(e & 31)
    count -= Int(e & 31)
    try checkNotPastEnd()
    return e
  }

  /// Drops the bits up to the next byte boundary and hands the whole bytes still buffered back to the input,
  /// so that a stored block or the zlib trailer can be read byte by byte from `position`.
  mutating func alignToByte() {
    buffer = 0
    position -= count / 8
    count = 0
  }
}
