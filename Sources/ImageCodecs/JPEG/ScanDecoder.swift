/// Decodes the entropy-coded data of one scan into the frame's coefficient blocks, as libjpeg's `jdhuff.c`
/// (sequential) and `jdphuff.c` (progressive) do. Coefficients are stored dequantization-free, in natural
/// order, 64 per block.
struct ScanDecoder {
  private var reader: EntropyReader
  private let scan: JPEGScan
  private let frame: JPEGFrame
  private let restartInterval: Int
  /// Whether the DC and AC tables each scan component names were defined.
  private let tablesDefined: (dc: [Bool], ac: [Bool])
  /// DC predictions, one per scan component.
  private var predictions: [Int]
  /// The end-of-band run left over from the last AC band (progressive only).
  private var eobRun = 0
  /// The iMCU row of the last MCU started while the data lasted (libjpeg's `last_good_iMCU_row`), or nil
  /// when the scan started without data.
  private(set) var lastGoodIMCURow: Int?
  /// A copy of `zigzagOrder`, so the hot loops do not go through the global's lazy initializer.
  private let zigzag = zigzagOrder

  init(
    data: [UInt8], start: Int, scan: JPEGScan, frame: JPEGFrame,
    dcTables: [HuffmanTable?], acTables: [HuffmanTable?], restartInterval: Int
  ) {
    // Slot i holds the DC table of the scan's i-th component, slot 4 + i its AC table; a slot stays empty
    // when the table is undefined, which `decode(into:)` reports before decoding.
    let dc = scan.dcTables.map { dcTables[$0] }, ac = scan.acTables.map { acTables[$0] }
    let empty = [HuffmanTable?](repeating: nil, count: 4 - dc.count)
    reader = EntropyReader(data: data, position: start, tables: dc + empty + ac)
    self.scan = scan
    self.frame = frame
    self.tablesDefined = (dc.map { $0 != nil }, ac.map { $0 != nil })
    self.restartInterval = restartInterval
    predictions = Array(repeating: 0, count: scan.components.count)
  }

  private enum Kind { case sequential, dcFirst, dcRefine, acFirst, acRefine }

  /// Decodes every MCU of the scan into `coefficients` and returns the offset after its data, from where
  /// the next marker is looked for.
  mutating func decode(into coefficients: inout [Int16]) throws -> Int {
    let kind: Kind
    if !frame.progressive {
      kind = .sequential
    } else if scan.ss == 0 {
      kind = scan.ah == 0 ? .dcFirst : .dcRefine
    } else {
      kind = scan.ah == 0 ? .acFirst : .acRefine
    }
    // Tables are only needed by the kinds of scan that use them (libjpeg checks the same way).
    let usesDC = kind == .sequential || kind == .dcFirst, usesAC = kind != .dcFirst && kind != .dcRefine
    for (i, id) in scan.dcTables.enumerated() where usesDC && !tablesDefined.dc[i] {
      throw JPEGError.missingTable("DC Huffman", id: id, offset: scan.offset)
    }
    for (i, id) in scan.acTables.enumerated() where usesAC && !tablesDefined.ac[i] {
      throw JPEGError.missingTable("AC Huffman", id: id, offset: scan.offset)
    }
    let comps = scan.components.map { frame.components[$0] }
    // Every block this scan touches lies inside the coefficient array (the frame sized it from the same
    // geometry); checked once here, the array subscripts of the per-coefficient loops check it again.
    for c in comps {
      precondition(c.coefficientOffset + c.blocksPerLine * c.blocksPerColumn * 64 <= coefficients.count)
      precondition(c.usedBlocksPerLine <= c.blocksPerLine && c.usedBlocksPerColumn <= c.blocksPerColumn)
    }
    do {
      try decodeMCUs(kind, comps, into: &coefficients)
    } catch let error as JPEGError {
      // Past the end of the data the reader feeds zero bits, which may decode to nonsense before the next
      // check notices; the real problem is then the truncation.
      if reader.reachedEnd { throw JPEGError.unexpectedEnd(offset: reader.data.count) }
      throw error
    }
    return reader.discardBits()
  }

  private mutating func decodeMCUs(
    _ kind: Kind, _ comps: [JPEGComponent], into coefficients: inout [Int16]
  ) throws {
    // A scan of one component is never interleaved: its MCU is one block and it codes only the blocks that
    // hold image samples, not the MCU padding.
    let single = comps.count == 1
    let mcusX = single ? comps[0].usedBlocksPerLine : frame.mcusX
    let mcusY = single ? comps[0].usedBlocksPerColumn : frame.mcusY
    var untilRestart = restartInterval
    var nextRestart = 0
    for my in 0..<mcusY {
      for mx in 0..<mcusX {
        if restartInterval > 0 {
          if untilRestart == 0 {
            try processRestart(expected: nextRestart)
            nextRestart = (nextRestart + 1) & 7
            untilRestart = restartInterval
          }
          untilRestart -= 1
        }
        // After the data ran out (at a marker), libjpeg leaves the remaining MCUs of the scan untouched.
        if reader.insufficient { continue }
        lastGoodIMCURow = single ? my / comps[0].v : my
        if single {
          let c = comps[0]
          let block = c.coefficientOffset + (my * c.blocksPerLine + mx) * 64
          try decodeBlock(kind, &coefficients, block, 0)
        } else {
          for (i, c) in comps.enumerated() {
            for by in 0..<c.v {
              for bx in 0..<c.h {
                let block = c.coefficientOffset + ((my * c.v + by) * c.blocksPerLine + mx * c.h + bx) * 64
                try decodeBlock(kind, &coefficients, block, i)
              }
            }
          }
        }
      }
      if reader.reachedEnd { throw JPEGError.unexpectedEnd(offset: reader.data.count) }
    }
  }

  @inline(__always)
  private mutating func decodeBlock(
    _ kind: Kind, _ coefficients: inout [Int16], _ block: Int, _ component: Int
  ) throws {
    switch kind {
    case .sequential: try decodeSequential(&coefficients, block, component)
    case .dcFirst:
      let s = try reader.decode(slot: component)
      predictions[component] += reader.receiveExtend(s)
      coefficients[block] = Int16(truncatingIfNeeded: predictions[component] << scan.al)
    case .dcRefine:
      if reader.bit() != 0 { coefficients[block] |= Int16(truncatingIfNeeded: 1 << scan.al) }
    case .acFirst: try decodeACFirst(&coefficients, block, 4 + component)
    case .acRefine: try decodeACRefine(&coefficients, block, 4 + component)
    }
  }

  /// A whole block of a sequential (baseline or extended) scan.
  @inline(__always)
  private mutating func decodeSequential(
    _ coefficients: inout [Int16], _ block: Int, _ component: Int
  ) throws {
    let s = try reader.decode(slot: component)
    predictions[component] += reader.receiveExtend(s)
    coefficients[block] = Int16(truncatingIfNeeded: predictions[component])
    var k = 1
    let ac = 4 + component
    while k < 64 {
      let fast = reader.fastAC(slot: ac)
      if fast != 0 {
        k += (fast >> 8) & 15
        guard k < 64 else { throw JPEGError.badCoefficientRun(offset: reader.position) }
        coefficients[block &+ zigzag[k]] = Int16(truncatingIfNeeded: fast >> 16)
        k += 1
        continue
      }
      let rs = try reader.decode(slot: ac)
      let run = rs >> 4, size = rs & 15
      if size != 0 {
        k += run
        guard k < 64 else { throw JPEGError.badCoefficientRun(offset: reader.position) }
        coefficients[block &+ zigzag[k]] = Int16(truncatingIfNeeded: reader.receiveExtend(size))
        k += 1
      } else {
        if run != 15 { break }
        k += 16
      }
    }
  }

  /// The first pass over an AC band: coefficients `ss...se` shifted left by `al`, with end-of-band runs.
  private mutating func decodeACFirst(
    _ coefficients: inout [Int16], _ block: Int, _ ac: Int
  ) throws {
    if eobRun > 0 {
      eobRun -= 1
      return
    }
    // Band limits in locals: read through `self` they are reloaded on every iteration.
    let se = scan.se, al = scan.al
    var k = scan.ss
    while k <= se {
      let rs = try reader.decode(slot: ac)
      let run = rs >> 4, size = rs & 15
      if size != 0 {
        k += run
        guard k <= se else { throw JPEGError.badCoefficientRun(offset: reader.position) }
        coefficients[block &+ zigzag[k]] = Int16(truncatingIfNeeded: reader.receiveExtend(size) << al)
      } else if run == 15 {
        k += 15
      } else {
        eobRun = (1 << run) - 1
        if run != 0 { eobRun += reader.bits(run) }
        break
      }
      k += 1
    }
  }

  /// A refinement pass over an AC band: one more bit of every nonzero coefficient, and newly nonzero ones
  /// of magnitude `1 << al` (jdphuff.c's `decode_mcu_AC_refine`).
  private mutating func decodeACRefine(
    _ coefficients: inout [Int16], _ block: Int, _ ac: Int
  ) throws {
    let p1 = 1 << scan.al, m1 = -1 << scan.al
    // Band limits in locals: read through `self` they are reloaded on every iteration. Index arithmetic
    // wraps: k stays within 0...63 and blocks inside the buffer (checked in `decode(into:)`).
    let se = scan.se
    var k = scan.ss
    if eobRun == 0 {
      while k <= se {
        let rs = try reader.decode(slot: ac)
        var run = rs >> 4
        var value = 0
        if rs & 15 != 0 {
          // The size should be 1; libjpeg warns about other sizes and reads one sign bit all the same.
          value = reader.bit() != 0 ? p1 : m1
        } else if run != 15 {
          eobRun = 1 << run
          if run != 0 { eobRun += reader.bits(run) }
          break
        }
        // Skip `run` zero coefficients, refining the nonzero ones passed on the way.
        while k <= se {
          let index = block &+ zigzag[k]
          let coefficient = Int(coefficients[index])
          if coefficient != 0 {
            if reader.bit() != 0 && coefficient & p1 == 0 {
              coefficients[index] = Int16(truncatingIfNeeded: coefficient >= 0 ? coefficient &+ p1 : coefficient &+ m1)
            }
          } else {
            if run == 0 { break }
            run -= 1
          }
          k += 1
        }
        if value != 0 {
          guard k <= se else { throw JPEGError.badCoefficientRun(offset: reader.position) }
          coefficients[block &+ zigzag[k]] = Int16(truncatingIfNeeded: value)
        }
        k += 1
      }
    }
    if eobRun > 0 {
      // Inside an end-of-band run only the nonzero coefficients get their correction bit.
      while k <= se {
        let index = block &+ zigzag[k]
        let coefficient = Int(coefficients[index])
        if coefficient != 0 && reader.bit() != 0 && coefficient & p1 == 0 {
          coefficients[index] = Int16(truncatingIfNeeded: coefficient >= 0 ? coefficient &+ p1 : coefficient &+ m1)
        }
        k += 1
      }
      eobRun -= 1
    }
  }

  /// At the end of a restart interval: drop the padding bits, expect marker RSTn, reset the predictions.
  /// A non-restart marker there (EOI after data cut short) is left for the parser, as libjpeg's resync does,
  /// and decoding goes on with zero bits; a restart marker out of sequence is corrupt data.
  private mutating func processRestart(expected: Int) throws {
    let data = reader.data
    var position = reader.discardBits()
    // libjpeg skips (and warns about) stray bytes before the marker, and fill bytes FF.
    while position < data.count && data[position] != 0xFF { position += 1 }
    while position + 1 < data.count && data[position + 1] == 0xFF { position += 1 }
    guard position + 1 < data.count else { throw JPEGError.unexpectedEnd(offset: data.count) }
    let marker = UInt8(0xD0 + expected), found = data[position + 1]
    if found == marker {
      reader.restart(at: position + 2)
    } else if found >= 0xC0 && !(0xD0...0xD7).contains(found) {
      reader.restart(at: position, insufficient: reader.insufficient)
    } else {
      throw JPEGError.badRestartMarker(expected: marker, found: found, offset: position)
    }
    for i in predictions.indices { predictions[i] = 0 }
    eobRun = 0
  }
}
