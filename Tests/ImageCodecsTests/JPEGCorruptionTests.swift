import Testing
@testable import ImageCodecs

/// Truncated, corrupt, oversized and unsupported files: each gives its specific `JPEGError` (or
/// `ImageLimitError`) with the offset where the problem is, never a crash.
@Suite(.timeLimit(.minutes(5))) struct JPEGCorruptionTests {
  /// A hand-made 8×8 grayscale baseline JPEG with all quantizers 1 and tiny Huffman tables: DC has the
  /// single code `0` (category 0), AC has `0` → 0xF1 (run 15, size 1) and `10` → 0x00 (end of block).
  /// `scan` is the entropy-coded data; `sofMarker`, `precision` and `size` let tests break the header.
  static func miniJPEG(
    scan: [UInt8], sofMarker: UInt8 = 0xC0, precision: UInt8 = 8, width: UInt16 = 8, height: UInt16 = 8,
    components: [UInt8] = [1], scanSelectors: UInt8 = 0x00, scanBand: [UInt8] = [0, 63, 0]
  ) -> [UInt8] {
    func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
      let length = payload.count + 2
      return [0xFF, marker, UInt8(length >> 8), UInt8(length & 255)] + payload
    }
    var sof: [UInt8] = [precision, UInt8(height >> 8), UInt8(height & 255), UInt8(width >> 8), UInt8(width & 255)]
    sof.append(UInt8(components.count))
    for id in components { sof += [id, 0x11, 0] }
    var sos: [UInt8] = [UInt8(components.count)]
    for id in components { sos += [id, scanSelectors] }
    return [0xFF, 0xD8]
      + segment(0xDB, [0] + [UInt8](repeating: 1, count: 64))
      + segment(sofMarker, sof)
      + segment(0xC4, [0x00, 1] + [UInt8](repeating: 0, count: 15) + [0])
      + segment(0xC4, [0x10, 1, 1] + [UInt8](repeating: 0, count: 14) + [0xF1, 0x00])
      + segment(0xDA, sos + scanBand)
      + scan + [0xFF, 0xD9]
  }

  /// The offset of the first `FF marker` pair in `bytes`.
  static func offset(of marker: UInt8, in bytes: [UInt8]) -> Int {
    (0..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == marker } ?? -1
  }

  @Test func miniJPEGDecodesToFlatGray() throws {
    // DC category 0 then end of block: every coefficient 0, every sample 128.
    let decoded = try JPEG.decode(Self.miniJPEG(scan: [0b0100_0000]))
    #expect(decoded.image.pixels == [UInt8](repeating: 128, count: 8 * 8 * 3))
  }

  @Test func truncatedFilesReportTheirEnd() throws {
    for name in ["chelsea_420", "coffee_progressive_420", "astronaut_restart_blocks5", "coffee_gray_progressive"] {
      let file = try JPEGFixtures.bytes(name + ".jpg")
      // Every cut from just after SOI to just before the final byte of EOI, sampled densely.
      for length in Swift.stride(from: 2, to: file.count, by: 7) + [file.count - 2, file.count - 1] {
        #expect(throws: JPEGError.unexpectedEnd(offset: length), "\(name) cut at \(length)") {
          try JPEG.decode(Array(file.prefix(length)))
        }
      }
    }
  }

  @Test func notJPEG() {
    #expect(throws: JPEGError.notJPEG) { try JPEG.decode([]) }
    #expect(throws: JPEGError.notJPEG) { try JPEG.decode([0xFF]) }
    #expect(throws: JPEGError.notJPEG) { try JPEG.decode(Array("\u{89}PNG\r\n".utf8)) }
  }

  @Test func noImage() {
    #expect(throws: JPEGError.noImage) { try JPEG.decode([0xFF, 0xD8, 0xFF, 0xD9]) }
  }

  @Test func unknownMarker() throws {
    var file = try JPEGFixtures.bytes("chelsea_420.jpg")
    let at = Self.offset(of: 0xDB, in: file)
    file[at + 1] = 0x02  // a reserved marker
    #expect(throws: JPEGError.badMarker(0x02, offset: at)) { try JPEG.decode(file) }
  }

  @Test func strayBytesBetweenSegmentsAreSkippedAsLibjpegDoes() throws {
    let file = try JPEGFixtures.bytes("chelsea_420.jpg")
    let expected = try JPEGFixtures.bytes("chelsea_420.rgb")
    var padded = file
    let at = Self.offset(of: 0xDB, in: file)
    padded.insert(contentsOf: [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xFF], at: at)  // junk, stuffed zero, fill
    #expect(try JPEG.decode(padded).image.pixels == expected)
  }

  @Test func scanBeforeFrame() {
    let file = Self.miniJPEG(scan: [0x40])
    let sof = Self.offset(of: 0xC0, in: file)
    // Turn the SOF into a COM segment: the scan then comes without a frame.
    var broken = file
    broken[sof + 1] = 0xFE
    #expect(throws: JPEGError.badMarker(0xDA, offset: Self.offset(of: 0xDA, in: file))) { try JPEG.decode(broken) }
  }

  @Test func badSegmentLength() {
    var file = Self.miniJPEG(scan: [0x40])
    let dri: [UInt8] = [0xFF, 0xDD, 0x00, 0x05, 0x00, 0x01, 0x00]  // DRI must be 4 bytes long
    file.insert(contentsOf: dri, at: 2)
    #expect(throws: JPEGError.badSegmentLength(marker: 0xDD, length: 5, offset: 2)) { try JPEG.decode(file) }
  }

  @Test func badHuffmanTable() throws {
    var file = try JPEGFixtures.bytes("chelsea_420.jpg")
    let at = Self.offset(of: 0xC4, in: file)
    // Three codes of length 1 cannot exist.
    file[at + 5] = 3
    #expect(throws: JPEGError.badHuffmanTable(offset: at)) { try JPEG.decode(file) }
    // DC symbols above 15 are refused: an all-ones single code would also be, so use two 2-bit codes.
    var dc = Self.miniJPEG(scan: [0x40])
    let dht = Self.offset(of: 0xC4, in: dc)
    dc.replaceSubrange((dht + 2)..<(dht + 4 + 17 + 1), with: [0, 21, 0x00] + [0, 2] + [UInt8](repeating: 0, count: 14)
                       + [0, 16])
    #expect(throws: JPEGError.badHuffmanTable(offset: dht)) { try JPEG.decode(dc) }
  }

  @Test func badQuantizationTable() {
    var file = Self.miniJPEG(scan: [0x40])
    let at = Self.offset(of: 0xDB, in: file)
    file[at + 4] = 0x05  // table id 5
    #expect(throws: JPEGError.badQuantizationTable(offset: at)) { try JPEG.decode(file) }
  }

  @Test func missingTables() {
    let file = Self.miniJPEG(scan: [0x40], scanSelectors: 0x30)
    #expect(throws: JPEGError.missingTable("DC Huffman", id: 3, offset: Self.offset(of: 0xDA, in: file))) {
      try JPEG.decode(file)
    }
    let noAC = Self.miniJPEG(scan: [0x40], scanSelectors: 0x02)
    #expect(throws: JPEGError.missingTable("AC Huffman", id: 2, offset: Self.offset(of: 0xDA, in: noAC))) {
      try JPEG.decode(noAC)
    }
  }

  @Test func badHuffmanCode() {
    // All one bits match no code; the reader has loaded the two data bytes (four with stuffing) when it
    // gives up, so the offset is just past them, at the EOI marker.
    let file = Self.miniJPEG(scan: [0xFF, 0x00, 0xFF, 0x00])
    let eoi = file.count - 2
    #expect(throws: JPEGError.badHuffmanCode(offset: eoi)) { try JPEG.decode(file) }
  }

  @Test func coefficientRunPastTheBlock() {
    // DC `0`, then four times 0xF1 (`0`) with a sign bit `1`: the fourth lands on coefficient 64.
    let file = Self.miniJPEG(scan: [0b0010_1010, 0b1000_0000])
    #expect(throws: JPEGError.badCoefficientRun(offset: file.count - 2)) { try JPEG.decode(file) }
  }

  @Test func restartMarkerOutOfSequence() throws {
    var file = try JPEGFixtures.bytes("astronaut_restart_blocks5.jpg")
    let at = Self.offset(of: 0xD0, in: file)
    file[at + 1] = 0xD3
    #expect(throws: JPEGError.badRestartMarker(expected: 0xD0, found: 0xD3, offset: at)) { try JPEG.decode(file) }
  }

  @Test func badProgression() {
    let file = Self.miniJPEG(scan: [0x40], sofMarker: 0xC2, scanBand: [0, 5, 0])
    let sos = Self.offset(of: 0xDA, in: file)
    #expect(throws: JPEGError.badScanHeader("progression Ss=0 Se=5 Ah=0 Al=0", offset: sos)) { try JPEG.decode(file) }
  }

  @Test func unknownScanComponent() {
    var file = Self.miniJPEG(scan: [0x40])
    let sos = Self.offset(of: 0xDA, in: file)
    file[sos + 5] = 9
    #expect(throws: JPEGError.badScanHeader("component id 9", offset: sos)) { try JPEG.decode(file) }
  }

  @Test func badFrameHeader() {
    var file = Self.miniJPEG(scan: [0x40])
    let sof = Self.offset(of: 0xC0, in: file)
    file[sof + 11] = 0x51  // sampling factor 5
    #expect(throws: JPEGError.badFrameHeader("sampling factors 5×1 of component 1", offset: sof)) {
      try JPEG.decode(file)
    }
    #expect(throws: JPEGError.badFrameHeader("duplicate component id 1", offset: sof)) {
      try JPEG.decode(Self.miniJPEG(scan: [0x40], components: [1, 2, 1]))
    }
  }

  @Test func unsupportedFeatures() {
    #expect(throws: JPEGError.unsupported("arithmetic coding (SOF9)")) {
      try JPEG.decode(Self.miniJPEG(scan: [0x40], sofMarker: 0xC9))
    }
    #expect(throws: JPEGError.unsupported("lossless JPEG (SOF3)")) {
      try JPEG.decode(Self.miniJPEG(scan: [0x40], sofMarker: 0xC3))
    }
    #expect(throws: JPEGError.unsupported("12-bit samples")) {
      try JPEG.decode(Self.miniJPEG(scan: [0x40], precision: 12))
    }
    #expect(throws: JPEGError.unsupported("2 components (Pillow reads 1, 3 or 4)")) {
      try JPEG.decode(Self.miniJPEG(scan: [0x40], components: [1, 2]))
    }
    #expect(throws: JPEGError.unsupported("height defined by a DNL marker")) {
      try JPEG.decode(Self.miniJPEG(scan: [0x40], height: 0))
    }
  }

  @Test func oversizedFramesAreRefusedFromTheHeader() throws {
    // 60000×60000 declared by a file of a few dozen bytes: refused before any buffer is allocated.
    #expect(throws: ImageLimitError.tooLarge(width: 60000, height: 60000, maxPixels: 100_000_000)) {
      try JPEG.decode(Self.miniJPEG(scan: [0x40], width: 60000, height: 60000))
    }
    let file = try JPEGFixtures.bytes("chelsea_420.jpg")
    #expect(throws: ImageLimitError.tooLarge(width: 64, height: 48, maxPixels: 3000)) {
      try JPEG.decode(file, limits: ImageLimits(maxPixels: 3000))
    }
  }

  @Test func errorsDescribeThemselves() {
    #expect(JPEGError.badMarker(0x02, offset: 7).description == "unexpected JPEG marker 0xFF02 at byte 7")
    #expect(JPEGError.badRestartMarker(expected: 0xD0, found: nil, offset: 3).description
      == "expected restart marker 0xFFD0 at byte 3, found no marker")
  }
}

/// Random damage to valid files: decoding must end in pixels or a typed error, never a trap.
@Suite(.timeLimit(.minutes(5))) struct JPEGFuzzTests {
  /// A fixed-seed linear congruential generator, so that every run damages the files the same way.
  struct Generator {
    var state: UInt64
    mutating func next(_ bound: Int) -> Int {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return Int((state >> 33) % UInt64(bound))
    }
  }

  @Test func damagedFilesNeverTrap() throws {
    var generator = Generator(state: 42)
    var outcomes: [String: Int] = [:]
    let names = ["chelsea_420", "coffee_progressive_420", "astronaut_restart_blocks5", "coffee_411",
                 "chelsea_cmyk_adobe", "coffee_gray_progressive"]
    for name in names {
      let file = try JPEGFixtures.bytes(name + ".jpg")
      for _ in 0..<300 {
        var damaged = file
        for _ in 0..<(1 + generator.next(4)) {
          damaged[generator.next(damaged.count)] = UInt8(generator.next(256))
        }
        do {
          // A small limit keeps a damaged frame header from asking for a huge (but legal) image.
          _ = try JPEG.decode(damaged, limits: ImageLimits(maxPixels: 1 << 20))
          outcomes["decoded", default: 0] += 1
        } catch let error as JPEGError {
          outcomes["\(error)".prefix(20).description, default: 0] += 1
        } catch is ImageLimitError {
          outcomes["limit", default: 0] += 1
        }
      }
    }
    // Both outcomes occur: the damage is neither always harmless nor always fatal.
    #expect(outcomes["decoded", default: 0] > 0)
    #expect(outcomes.values.reduce(0, +) - outcomes["decoded", default: 0] > 0)
  }
}
