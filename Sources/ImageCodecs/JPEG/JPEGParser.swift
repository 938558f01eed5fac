/// Walks the marker segments of a JPEG file, keeping the tables and headers that decoding needs and running
/// each scan as it is met (libjpeg's `jdmarker.c` and `jdinput.c`).
struct JPEGParser {
  let data: [UInt8]
  let limits: ImageLimits
  private(set) var frame: JPEGFrame?
  private(set) var coefficients: [Int16] = []
  /// Quantization tables in natural order.
  private var quantTables: [[Int]?] = Array(repeating: nil, count: 4)
  /// Each frame component's quantization table as it stood at the component's first scan: libjpeg latches
  /// it there, so a DQT redefining the table later does not change it.
  private(set) var componentQuantTables: [[Int]?] = []
  private var dcTables: [HuffmanTable?] = Array(repeating: nil, count: 4)
  private var acTables: [HuffmanTable?] = Array(repeating: nil, count: 4)
  private var restartInterval = 0
  private(set) var scanCount = 0
  /// Progressive frames: for each component and zigzag index 0...9, the `al` of the last scan that coded
  /// it (-1: none yet), and the same before the scan that last touched that index (libjpeg's `coef_bits`
  /// and their previous values); block smoothing decides from them.
  private(set) var coefficientBits: [[Int]] = []
  private(set) var previousCoefficientBits: [[Int]] = []
  /// The iMCU row of the last MCU decoded while the data lasted, over all scans (libjpeg's
  /// `last_good_iMCU_row`).
  private(set) var lastGoodIMCURow = 0
  private(set) var sawJFIF = false
  /// The transform byte of the last Adobe APP14 segment.
  private(set) var adobeTransform: Int?
  /// The EXIF payload: the first `Exif\0\0` APP1 segment's TIFF data, followed by that of any later ones
  /// (Pillow concatenates them the same way).
  private(set) var exif: [UInt8]?
  /// The XMP packet of the last `http://ns.adobe.com/xap/1.0/\0` APP1 segment (Pillow keeps the last).
  private(set) var xmp: [UInt8]?

  init(data: [UInt8], limits: ImageLimits) {
    self.data = data
    self.limits = limits
  }

  /// Reads the whole file up to EOI.
  mutating func parse() throws {
    guard data.count >= 2, data[0] == 0xFF, data[1] == 0xD8 else { throw JPEGError.notJPEG }
    var position = 2
    while true {
      // libjpeg skips stray bytes before a marker (with a warning) and any fill bytes FF.
      while position < data.count && data[position] != 0xFF { position += 1 }
      while position + 1 < data.count && data[position + 1] == 0xFF { position += 1 }
      guard position + 1 < data.count else { throw JPEGError.unexpectedEnd(offset: data.count) }
      let markerOffset = position
      let marker = data[position + 1]
      position += 2
      switch marker {
      case 0xD9:
        return
      case 0xD0...0xD7, 0x01:
        continue  // standalone markers without a segment; libjpeg ignores them here
      case 0x00:
        continue  // FF 00 is stuffed data, not a marker: libjpeg's next_marker discards it as stray bytes
      default:
        break
      }
      let (start, end) = try segment(marker: marker, at: markerOffset)
      switch marker {
      case 0xC0, 0xC1, 0xC2:
        guard frame == nil else { throw JPEGError.badMarker(marker, offset: markerOffset) }
        try readFrame(start, end, marker: marker, offset: markerOffset)
      case 0xC3, 0xC5, 0xC6, 0xC7:
        let what = marker == 0xC3 ? "lossless JPEG (SOF3)" : "hierarchical JPEG (SOF\(marker - 0xC0))"
        throw JPEGError.unsupported(what)
      case 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF:
        throw JPEGError.unsupported("arithmetic coding (SOF\(marker - 0xC0))")
      case 0xC4: try readHuffmanTables(start, end, offset: markerOffset)
      case 0xDB: try readQuantizationTables(start, end, offset: markerOffset)
      case 0xDD:
        guard end - start == 2 else {
          throw JPEGError.badSegmentLength(marker: marker, length: end - start + 2, offset: markerOffset)
        }
        restartInterval = Int(data[start]) << 8 | Int(data[start + 1])
      case 0xDA:
        let scan = try readScanHeader(start, end, offset: markerOffset)
        position = try runScan(scan, dataStart: end)
        continue
      case 0xE0:
        // libjpeg's examine_app0 wants at least 14 bytes for a JFIF header.
        if end - start >= 14 && Array(data[start..<start + 5]) == Array("JFIF\0".utf8) { sawJFIF = true }
      case 0xE1:
        let xmpHeader = Array("http://ns.adobe.com/xap/1.0/\0".utf8)
        if end - start >= 6 && Array(data[start..<start + 6]) == Array("Exif\0\0".utf8) {
          exif = (exif ?? []) + data[(start + 6)..<end]
        } else if end - start >= xmpHeader.count && Array(data[start..<start + xmpHeader.count]) == xmpHeader {
          xmp = Array(data[(start + xmpHeader.count)..<end])
        }
      case 0xEE:
        // libjpeg's examine_app14 wants at least 12 bytes; the transform flag is the last of them.
        if end - start >= 12 && Array(data[start..<start + 5]) == Array("Adobe".utf8) {
          adobeTransform = Int(data[start + 11])
        }
      case 0xE2...0xED, 0xEF, 0xFE, 0xCC, 0xDC:
        break  // other APPn, COM, DAC (arithmetic conditioning) and DNL segments carry nothing we use
      default:
        throw JPEGError.badMarker(marker, offset: markerOffset)
      }
      position = end
    }
  }

  /// The payload bounds of the segment whose marker starts at `offset`.
  private func segment(marker: UInt8, at offset: Int) throws -> (Int, Int) {
    guard offset + 4 <= data.count else { throw JPEGError.unexpectedEnd(offset: data.count) }
    let length = Int(data[offset + 2]) << 8 | Int(data[offset + 3])
    guard length >= 2 else { throw JPEGError.badSegmentLength(marker: marker, length: length, offset: offset) }
    let end = offset + 2 + length
    guard end <= data.count else { throw JPEGError.unexpectedEnd(offset: data.count) }
    return (offset + 4, end)
  }

  private mutating func readFrame(_ start: Int, _ end: Int, marker: UInt8, offset: Int) throws {
    guard end - start >= 6 else {
      throw JPEGError.badSegmentLength(marker: marker, length: end - start + 2, offset: offset)
    }
    let precision = Int(data[start])
    let height = Int(data[start + 1]) << 8 | Int(data[start + 2])
    let width = Int(data[start + 3]) << 8 | Int(data[start + 4])
    let count = Int(data[start + 5])
    guard precision == 8 else { throw JPEGError.unsupported("\(precision)-bit samples") }
    guard height > 0 else { throw JPEGError.unsupported("height defined by a DNL marker") }
    guard width > 0 else { throw JPEGError.badFrameHeader("zero width", offset: offset) }
    guard count == 1 || count == 3 || count == 4 else {
      throw JPEGError.unsupported("\(count) components (Pillow reads 1, 3 or 4)")
    }
    guard end - start == 6 + 3 * count else {
      throw JPEGError.badSegmentLength(marker: marker, length: end - start + 2, offset: offset)
    }
    // Refuse oversized images before anything of their size is allocated.
    try limits.check(width: width, height: height)
    var components: [JPEGComponent] = []
    for i in 0..<count {
      let p = start + 6 + 3 * i
      let id = Int(data[p]), h = Int(data[p + 1] >> 4), v = Int(data[p + 1] & 15), tq = Int(data[p + 2])
      guard (1...4).contains(h), (1...4).contains(v) else {
        throw JPEGError.badFrameHeader("sampling factors \(h)×\(v) of component \(id)", offset: offset)
      }
      guard tq < 4 else { throw JPEGError.badFrameHeader("quantization table \(tq)", offset: offset) }
      guard !components.contains(where: { $0.id == id }) else {
        throw JPEGError.badFrameHeader("duplicate component id \(id)", offset: offset)
      }
      components.append(JPEGComponent(id: id, h: h, v: v, quantTable: tq))
    }
    let frame = JPEGFrame(width: width, height: height, progressive: marker == 0xC2, components: components)
    for c in frame.components where frame.maxH % c.h != 0 || frame.maxV % c.v != 0 {
      // libjpeg only upsamples by integral factors (JERR_FRACT_SAMPLE_NOTIMPL).
      throw JPEGError.unsupported("sampling factors \(c.h)×\(c.v) against \(frame.maxH)×\(frame.maxV)")
    }
    self.frame = frame
  }

  private mutating func readHuffmanTables(_ start: Int, _ end: Int, offset: Int) throws {
    var p = start
    while p < end {
      guard p + 17 <= end else { throw JPEGError.badHuffmanTable(offset: offset) }
      let kind = Int(data[p] >> 4), id = Int(data[p] & 15)
      guard kind <= 1, id < 4 else { throw JPEGError.badHuffmanTable(offset: offset) }
      let counts = (0..<16).map { Int(data[p + 1 + $0]) }
      let total = counts.reduce(0, +)
      guard total <= 256, p + 17 + total <= end else { throw JPEGError.badHuffmanTable(offset: offset) }
      let table = try HuffmanTable(counts: counts, symbols: Array(data[(p + 17)..<(p + 17 + total)]),
                                   isDC: kind == 0, offset: offset)
      if kind == 0 { dcTables[id] = table } else { acTables[id] = table }
      p += 17 + total
    }
  }

  private mutating func readQuantizationTables(_ start: Int, _ end: Int, offset: Int) throws {
    var p = start
    while p < end {
      let precision = Int(data[p] >> 4), id = Int(data[p] & 15)
      guard precision <= 1, id < 4 else { throw JPEGError.badQuantizationTable(offset: offset) }
      let size = precision == 0 ? 64 : 128
      guard p + 1 + size <= end else { throw JPEGError.badQuantizationTable(offset: offset) }
      var table = [Int](repeating: 0, count: 64)
      for k in 0..<64 {
        let q = p + 1 + (precision + 1) * k
        table[zigzagOrder[k]] = precision == 0 ? Int(data[q]) : Int(data[q]) << 8 | Int(data[q + 1])
      }
      quantTables[id] = table
      p += 1 + size
    }
  }

  private func readScanHeader(_ start: Int, _ end: Int, offset: Int) throws -> JPEGScan {
    guard let frame else { throw JPEGError.badMarker(0xDA, offset: offset) }
    let count = end > start ? Int(data[start]) : 0
    guard (1...4).contains(count), end - start == 4 + 2 * count else {
      throw JPEGError.badSegmentLength(marker: 0xDA, length: end - start + 2, offset: offset)
    }
    var components: [Int] = [], dcTables: [Int] = [], acTables: [Int] = []
    for i in 0..<count {
      let id = Int(data[start + 1 + 2 * i]), tables = data[start + 2 + 2 * i]
      guard let index = frame.components.firstIndex(where: { $0.id == id }), !components.contains(index) else {
        throw JPEGError.badScanHeader("component id \(id)", offset: offset)
      }
      guard tables >> 4 < 4, tables & 15 < 4 else {
        throw JPEGError.badScanHeader("Huffman table selectors 0x\(String(tables, radix: 16))", offset: offset)
      }
      components.append(index)
      dcTables.append(Int(tables >> 4))
      acTables.append(Int(tables & 15))
    }
    let q = start + 1 + 2 * count
    let ss = Int(data[q]), se = Int(data[q + 1]), ah = Int(data[q + 2] >> 4), al = Int(data[q + 2] & 15)
    if frame.progressive {
      // jdphuff.c's JERR_BAD_PROGRESSION checks.
      let bad = ss == 0 ? se != 0 : (ss > se || se > 63 || count != 1)
      if bad || (ah != 0 && al != ah - 1) || al > 13 {
        throw JPEGError.badScanHeader("progression Ss=\(ss) Se=\(se) Ah=\(ah) Al=\(al)", offset: offset)
      }
    }
    if count > 1 {
      let blocks = components.reduce(0) { $0 + frame.components[$1].h * frame.components[$1].v }
      guard blocks <= 10 else { throw JPEGError.badScanHeader("\(blocks) blocks per MCU", offset: offset) }
    }
    return JPEGScan(components: components, dcTables: dcTables, acTables: acTables,
                    ss: ss, se: se, ah: ah, al: al, offset: offset)
  }

  /// Decodes a scan whose data starts at `dataStart`; returns where to look for the next marker.
  private mutating func runScan(_ scan: JPEGScan, dataStart: Int) throws -> Int {
    guard let frame else { throw JPEGError.badMarker(0xDA, offset: scan.offset) }
    if componentQuantTables.isEmpty { componentQuantTables = Array(repeating: nil, count: frame.components.count) }
    for index in scan.components where componentQuantTables[index] == nil {
      let tq = frame.components[index].quantTable
      guard let table = quantTables[tq] else {
        throw JPEGError.missingTable("quantization", id: tq, offset: scan.offset)
      }
      componentQuantTables[index] = table
    }
    if coefficients.isEmpty { coefficients = [Int16](repeating: 0, count: frame.coefficientCount) }
    var decoder = ScanDecoder(data: data, start: dataStart, scan: scan, frame: frame, dcTables: dcTables,
                              acTables: acTables, restartInterval: restartInterval)
    if frame.progressive { recordCoefficientBits(scan, scanNumber: scanCount + 1) }
    let next = try decoder.decode(into: &coefficients)
    if let row = decoder.lastGoodIMCURow { lastGoodIMCURow = row }
    scanCount += 1
    return next
  }

  /// jdphuff.c's bookkeeping at the start of a progressive scan.
  private mutating func recordCoefficientBits(_ scan: JPEGScan, scanNumber: Int) {
    guard let frame else { return }
    if coefficientBits.isEmpty {
      coefficientBits = Array(repeating: Array(repeating: -1, count: 10), count: frame.components.count)
      previousCoefficientBits = coefficientBits
    }
    for index in scan.components {
      for k in min(scan.ss, 1)...max(scan.se, 9) where k < 10 {
        previousCoefficientBits[index][k] = scanNumber > 1 ? coefficientBits[index][k] : 0
      }
      if scan.ss <= 9 {
        for k in scan.ss...min(scan.se, 9) { coefficientBits[index][k] = scan.al }
      }
    }
  }
}
