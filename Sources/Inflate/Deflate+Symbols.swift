extension Deflate {
  /// The hot loop: decodes literal/length and distance symbols straight into `out` until the end-of-block code.
  ///
  /// Every index is checked explicitly (table entries index within their table by construction, output writes
  /// against `cap`, back-references against `produced`) and again by the array subscripts; wrapping arithmetic
  /// where those checks make overflow impossible. One refill per iteration suffices: a length (15 + 5 bits) and a
  /// distance (15 + 13 bits) take at most 48 of the ≥ 56 buffered bits.
  /// - Returns: 0 at the end of the block, otherwise how many bytes the next symbol needs beyond `produced`
  ///   (its bits are left unconsumed so the caller can grow `out` and call again).
  @inline(__always)
  static func decodeSymbols(_ reader: inout BitReader, _ out: inout [UInt8], _ produced: inout Int,
                            _ lit: [UInt32], _ litRoot: Int, _ dist: [UInt32], _ distRoot: Int) throws -> Int {
    let litMask = 1 &<< litRoot &- 1, distMask = 1 &<< distRoot &- 1
    let cap = out.count
    var op = produced
    defer { produced = op }
    while true {
      reader.refill()
      try reader.checkNotPastEnd()
      let saved = (reader.buffer, reader.count)
      var bb = reader.buffer, bc = reader.count
      let e = lookup(lit, litRoot, litMask, &bb, &bc)
      let kind = e & HuffmanTable.kindMask
      if kind == HuffmanTable.literal {
        guard op < cap else {
          try reader.checkNotPastEnd(remaining: bc)
          (reader.buffer, reader.count) = saved
          return 1
        }
        out[op] = UInt8(truncatingIfNeeded: e &>> 16)
        op &+= 1
        // Literals come in runs: a second one fits in the bits already buffered (two codes take ≤ 30 of 56).
        let e2 = lit[Int(truncatingIfNeeded: bb) & litMask]
        if e2 & HuffmanTable.kindMask == HuffmanTable.literal && op < cap {
          out[op] = UInt8(truncatingIfNeeded: e2 &>> 16)
          op &+= 1
          bb &>>= UInt64(e2 & 31)
          bc &-= Int(e2 & 31)
        }
        (reader.buffer, reader.count) = (bb, bc)
        continue
      }
      guard kind == HuffmanTable.base else {
        (reader.buffer, reader.count) = (bb, bc)
        try reader.checkNotPastEnd()
        if kind == HuffmanTable.end { return 0 }
        throw InflateError.invalidSymbol(.literalLength, offset: reader.offset)
      }
      var extra = e &>> 8 & 15
      let length = Int(e &>> 16) &+ Int(truncatingIfNeeded: bb & (1 &<< UInt64(extra) &- 1))
      bb &>>= UInt64(extra)
      bc &-= Int(extra)

      let d = lookup(dist, distRoot, distMask, &bb, &bc)
      guard d & HuffmanTable.kindMask == HuffmanTable.base else {
        (reader.buffer, reader.count) = (bb, bc)
        try reader.checkNotPastEnd()
        throw InflateError.invalidSymbol(.distance, offset: reader.offset)
      }
      extra = d &>> 8 & 15
      let distance = Int(d &>> 16) &+ Int(truncatingIfNeeded: bb & (1 &<< UInt64(extra) &- 1))
      bb &>>= UInt64(extra)
      bc &-= Int(extra)
      guard distance <= op else {
        (reader.buffer, reader.count) = (bb, bc)
        try reader.checkNotPastEnd()
        throw InflateError.distanceTooFarBack(distance: distance, outputPosition: op)
      }
      guard op &+ length <= cap else {
        try reader.checkNotPastEnd(remaining: bc)
        (reader.buffer, reader.count) = saved
        return length
      }
      (reader.buffer, reader.count) = (bb, bc)
      copyMatch(&out, to: op, distance: distance, length: length)
      op &+= length
    }
  }

  /// Decodes one symbol from the bits in `bb` (root table, then subtable if linked) and consumes its code.
  @inline(__always)
  static func lookup(_ table: [UInt32], _ root: Int, _ mask: Int, _ bb: inout UInt64,
                     _ bc: inout Int) -> UInt32 {
    var e = table[Int(truncatingIfNeeded: bb) & mask]
    if e & HuffmanTable.kindMask == HuffmanTable.link {
      bb &>>= UInt64(root)
      bc &-= root
      e = table[Int(e &>> 16) &+ (Int(truncatingIfNeeded: bb) & (1 &<< Int(e &>> 8 & 15) &- 1))]
    }
    bb &>>= UInt64(e & 31)
    bc &-= Int(e & 31)
    return e
  }

  /// Copies `length` bytes from `distance` bytes back, overlapping as LZ77 requires: byte by byte in order, so
  /// a short distance repeats the bytes just written.
  @inline(__always)
  static func copyMatch(_ out: inout [UInt8], to op: Int, distance: Int, length: Int) {
    var from = op &- distance
    for to in op..<op &+ length {
      out[to] = out[from]
      from &+= 1
    }
  }
}
