/// Reads the entropy-coded bits of a scan, MSB first, removing the stuffed zero after each `FF` data byte.
///
/// Like libjpeg's `fill_bit_buffer`, the reader stops at the first marker and feeds zero bits after it. Once
/// a code or value needs one of those zero bits, `insufficient` is set (libjpeg's `insufficient_data`): the
/// scan decoder finishes that MCU and leaves the following ones zero, as libjpeg-turbo does for a scan cut
/// short by a marker (EOI in the middle of the data). Reaching the end of the data instead sets
/// `reachedEnd`, which the scan decoder turns into `JPEGError.unexpectedEnd`: Pillow refuses truncated files.
struct EntropyReader {
  let data: [UInt8]
  /// The next byte to load into `buffer`; at a marker, the offset of its `FF`.
  private(set) var position: Int
  /// Up to 64 bits, the next one in the most significant place.
  private var buffer: UInt64 = 0
  /// How many bits of `buffer` are loaded (zero bits fed after a marker count too).
  private var count = 0
  /// How many of the loaded bits are zero bits fed after a marker; they are the last `padding` of `count`.
  private var padding = 0
  /// Decoding has used a bit that is not in the data.
  private(set) var insufficient = false
  /// A marker or the end of the data stopped loading.
  private var stopped = false
  /// The data ended without a marker.
  private(set) var reachedEnd = false

  /// The Huffman tables of the scan, flattened into slots so that decoding a symbol passes a slot number
  /// instead of a table (passing tables per block cost more in reference counting than the decoding).
  private var lookup: [UInt16]
  private var maxCode: [Int]
  private var valueOffset: [Int]
  private var symbols: [UInt8]
  /// For AC tables: indexed like `lookup`, `value << 16 | run << 8 | bits` when the next `lookaheadBits`
  /// bits hold both a code with a nonzero size and its value bits (`bits` long in all), else 0. Decodes
  /// the common short coefficients with one lookup (stb_image's "fast AC").
  private var fastAC: [Int32]
  private static let lookupSize = 1 << HuffmanTable.lookaheadBits

  /// A reader at `position` with `tables` installed in slots 0, 1, ... (nil slots decode nothing).
  init(data: [UInt8], position: Int, tables: [HuffmanTable?]) {
    self.data = data
    self.position = position
    lookup = [UInt16](repeating: 0, count: Self.lookupSize * tables.count)
    maxCode = [Int](repeating: -1, count: 17 * tables.count)
    valueOffset = [Int](repeating: 0, count: 17 * tables.count)
    symbols = [UInt8](repeating: 0, count: 256 * tables.count)
    fastAC = [Int32](repeating: 0, count: Self.lookupSize * tables.count)
    let bits = HuffmanTable.lookaheadBits
    for (slot, table) in tables.enumerated() {
      guard let table else { continue }
      for peek in 0..<Self.lookupSize where table.lookup[peek] != 0 {
        let length = Int(table.lookup[peek] >> 8), symbol = Int(table.lookup[peek] & 0xFF)
        let run = symbol >> 4, size = symbol & 15
        guard size != 0, length + size <= bits else { continue }
        let raw = (peek >> (bits - length - size)) & ((1 << size) - 1)
        let value = raw < 1 << (size - 1) ? raw - (1 << size) + 1 : raw
        fastAC[slot * Self.lookupSize + peek] = Int32(value << 16 | run << 8 | (length + size))
      }
      lookup.replaceSubrange((slot * Self.lookupSize)..<((slot + 1) * Self.lookupSize), with: table.lookup)
      maxCode.replaceSubrange((slot * 17)..<(slot * 17 + 17), with: table.maxCode)
      valueOffset.replaceSubrange((slot * 17)..<(slot * 17 + 17), with: table.valueOffset)
      symbols.replaceSubrange((slot * 256)..<(slot * 256 + table.symbols.count), with: table.symbols)
    }
  }

  /// Loads bytes until more than 56 bits are buffered.
  private mutating func refill() {
    while count <= 56 {
      var byte: UInt8 = 0
      if !stopped {
        if position >= data.count {
          stopped = true
          reachedEnd = true
        } else {
          byte = data[position]
          if byte != 0xFF {
            position += 1
          } else {
            // FF 00 is a data byte FF; FF followed by more FFs is fill before a marker or before FF 00.
            var next = position + 1
            while next < data.count && data[next] == 0xFF { next += 1 }
            if next >= data.count {
              stopped = true
              reachedEnd = true
              byte = 0
            } else if data[next] == 0 {
              position = next + 1
            } else {
              stopped = true
              byte = 0
            }
          }
        }
      }
      buffer |= UInt64(byte) &<< UInt64(56 - count)
      count += 8
      if stopped { padding += 8 }
    }
  }

  /// Decodes one Huffman symbol with the table in `slot`.
  @inline(__always)
  mutating func decode(slot: Int) throws -> Int {
    if count < 16 { refill() }
    let peek = Int(truncatingIfNeeded: buffer &>> UInt64(64 - HuffmanTable.lookaheadBits))
    let entry = lookup[slot &* Self.lookupSize &+ peek]
    if entry != 0 {
      let length = Int(entry >> 8)
      consume(length)
      return Int(entry & 0xFF)
    }
    var length = HuffmanTable.lookaheadBits + 1
    while length <= 16 {
      let code = Int(truncatingIfNeeded: buffer &>> UInt64(64 - length))
      if code <= maxCode[slot &* 17 &+ length] {
        consume(length)
        // A code within maxCode has a symbol: the table was validated when it was built.
        return Int(symbols[slot &* 256 &+ code &+ valueOffset[slot &* 17 &+ length]])
      }
      length += 1
    }
    throw JPEGError.badHuffmanCode(offset: position)
  }

  /// The `fastAC` entry for the next bits in `slot` (0: decode with `decode(slot:)` and `receiveExtend`).
  /// Consumes the bits when the entry is nonzero.
  @inline(__always)
  mutating func fastAC(slot: Int) -> Int {
    if count < 16 { refill() }
    let peek = Int(truncatingIfNeeded: buffer &>> UInt64(64 - HuffmanTable.lookaheadBits))
    let entry = Int(fastAC[slot &* Self.lookupSize &+ peek])
    if entry != 0 { consume(entry & 0xFF) }
    return entry
  }

  /// The next `n` bits (1...16) as an unsigned value.
  @inline(__always)
  mutating func bits(_ n: Int) -> Int {
    if count < n { refill() }
    let value = Int(truncatingIfNeeded: buffer &>> UInt64(64 - n))
    consume(n)
    return value
  }

  /// The next bit.
  @inline(__always)
  mutating func bit() -> Int {
    if count < 1 { refill() }
    let value = Int(truncatingIfNeeded: buffer &>> 63)
    consume(1)
    return value
  }

  /// Drops `n` bits, noting whether any of them was padding.
  @inline(__always)
  private mutating func consume(_ n: Int) {
    buffer = buffer &<< UInt64(n)
    count -= n
    if count < padding {
      insufficient = true
      padding = count
    }
  }

  /// Reads `n` bits (0...16) as a signed coefficient difference: JPEG's "receive and extend".
  @inline(__always)
  mutating func receiveExtend(_ n: Int) -> Int {
    if n == 0 { return 0 }
    let value = bits(n)
    return value < 1 << (n - 1) ? value - (1 << n) + 1 : value
  }

  /// Drops the buffered bits (the padding at the end of a restart interval or scan) and returns the offset
  /// from which to look for the next marker.
  mutating func discardBits() -> Int {
    buffer = 0
    count = 0
    padding = 0
    stopped = false
    return position
  }

  /// Continues reading entropy-coded data at `offset` (after a restart marker), with the out-of-data state
  /// given (libjpeg keeps it when no restart marker was found).
  mutating func restart(at offset: Int, insufficient: Bool = false) {
    position = offset
    buffer = 0
    count = 0
    padding = 0
    stopped = false
    reachedEnd = false
    self.insufficient = insufficient
  }
}
