import Foundation
import Testing
import SafeTensors

/// Builds a file from a header string and data bytes, with the header length written as given.
private func file(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> Data {
  let json = Array(header.utf8)
  let length = declaredLength ?? UInt64(json.count)
  var bytes = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) }
  bytes += json + data
  return Data(bytes)
}

/// A single-entry header.
private func entry(_ name: String = "t", dtype: String = "F32", shape: [Int], offsets: [UInt64]) -> String {
  "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":\(offsets)}"
}

/// The parser accepts what the format allows and names what is wrong with anything else.
@Suite(.timeLimit(.minutes(5))) struct SafeTensorsFileTests {
  @Test func roundTripsTensorsAndMetadata() throws {
    let data = SafeTensorsEncoder.encode([
      .init(name: "a.weight", shape: [2, 3], floats: [1, -2, 3.5, 0, -0, .infinity]),
      .init(name: "scalar", shape: [], floats: [2.9]),
      .init(name: "empty", shape: [0, 4], floats: []),
    ], metadata: ["format": "pt"])
    let file = try SafeTensorsFile(data: data)
    #expect(file.metadata == ["format": "pt"])
    #expect(Set(file.tensors.keys) == ["a.weight", "scalar", "empty"])
    #expect(file.tensors["a.weight"]?.shape == [2, 3])
    #expect(file.tensors["a.weight"]?.dtype == .f32)
    #expect(try file.floats("a.weight") == [1, -2, 3.5, 0, -0, .infinity])
    #expect(try file.floats("scalar") == [2.9])
    #expect(try file.floats("empty") == [])
  }

  /// The header length is read as little-endian UInt64 whatever the host: bytes 01 02 00.. are 513.
  @Test func headerLengthIsLittleEndian() throws {
    let header = "{" + entry(shape: [1], offsets: [0, 4]) + "}"
    let padded = header + String(repeating: " ", count: 513 - header.utf8.count)
    let file = try SafeTensorsFile(data: file(header: padded, data: [0, 0, 0x80, 0x3F]))
    #expect(try file.floats("t") == [1])
  }

  @Test func readsF16AndBF16() throws {
    // 1.0, -2.0, 65504 (largest half), 2^-24 (smallest subnormal), -0.0, +inf.
    let halves: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0001, 0x8000, 0x7C00]
    // 1.0, -2.0, 3.140625, 1e-38-ish subnormal pattern, -0.0, +inf.
    let bfloats: [UInt16] = [0x3F80, 0xC000, 0x4049, 0x0001, 0x8000, 0x7F80]
    func bytes(_ values: [UInt16]) -> [UInt8] { values.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
    let file = try SafeTensorsFile(data: SafeTensorsEncoder.encode([
      .init(name: "h", dtype: .f16, shape: [6], bytes: bytes(halves)),
      .init(name: "b", dtype: .bf16, shape: [2, 3], bytes: bytes(bfloats)),
    ]))
    let h = try file.floats("h")
    #expect(h == [1, -2, 65504, 0x1p-24, -0, .infinity])
    #expect(h[4].sign == .minus)
    let b = try file.floats("b")
    #expect(b == [1, -2, 3.140625, Float(bitPattern: 0x0001_0000), -0, .infinity])
  }

  /// Every binary16 pattern widens to the value the IEEE 754 definition gives, computed independently in
  /// `Double`: `(-1)^s × 2^(e-15) × 1.m`, subnormals `(-1)^s × 2^-24 × m`, exponent 31 infinity or NaN.
  @Test func halfConversionIsExactForAllPatterns() throws {
    let patterns = Array(UInt16.min...UInt16.max)
    let bytes = patterns.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    let file = try SafeTensorsFile(data: SafeTensorsEncoder.encode([
      .init(name: "all", dtype: .f16, shape: [patterns.count], bytes: bytes),
    ]))
    for (bits, got) in zip(patterns, try file.floats("all")) {
      let sign: Double = bits & 0x8000 == 0 ? 1 : -1
      let exponent = Int(bits >> 10) & 0x1F, mantissa = Double(bits & 0x03FF)
      switch exponent {
      case 0x1F where mantissa == 0: #expect(got == Float(sign * .infinity), "\(bits)")
      case 0x1F: #expect(got.isNaN, "\(bits)")
      case 0: #expect(got.bitPattern == Float(sign * mantissa * 0x1p-24).bitPattern, "\(bits)")
      default:
        let value = sign * (1 + mantissa / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
        #expect(got == Float(value), "\(bits)")
      }
    }
  }

  @Test func rejectsFileShorterThanLength() {
    #expect(throws: SafeTensorsError.fileTooSmall(byteCount: 5)) { try SafeTensorsFile(data: Data([1, 2, 3, 4, 5])) }
  }

  @Test func rejectsHeaderLengthBeyondFile() {
    let data = file(header: "{}", declaredLength: 3)
    #expect(throws: SafeTensorsError.headerBeyondFile(declared: 3, available: 2)) { try SafeTensorsFile(data: data) }
  }

  @Test func rejectsHugeHeaderLength() {
    let data = file(header: "{}", declaredLength: UInt64.max)
    #expect(throws: SafeTensorsError.headerTooLarge(declared: UInt64.max, limit: 100_000_000)) {
      try SafeTensorsFile(data: data)
    }
  }

  @Test(arguments: ["", "[1,2]", "{\"t\":", "{\"t\":{\"dtype\":\"F32\"}}",
                    "{\"t\":{\"dtype\":\"F32\",\"shape\":[-1.5],\"data_offsets\":[0,0]}}",
                    "{\"__metadata__\":{\"a\":1}}"])
  func rejectsMalformedHeader(_ header: String) {
    #expect {
      try SafeTensorsFile(data: file(header: header))
    } throws: { error in
      guard case .invalidHeader = error as? SafeTensorsError else { return false }
      return true
    }
  }

  @Test func rejectsUnknownDType() {
    let data = file(header: "{" + entry(dtype: "F12", shape: [1], offsets: [0, 4]) + "}", data: [0, 0, 0, 0])
    #expect(throws: SafeTensorsError.unknownDType(tensor: "t", dtype: "F12")) { try SafeTensorsFile(data: data) }
  }

  @Test(arguments: [[UInt64(4), 0], [0, 4, 8], [4]])
  func rejectsInvalidOffsets(_ offsets: [UInt64]) {
    let data = file(header: "{" + entry(shape: [1], offsets: offsets) + "}", data: [0, 0, 0, 0])
    #expect(throws: SafeTensorsError.invalidOffsets(tensor: "t", offsets: offsets)) { try SafeTensorsFile(data: data) }
  }

  @Test func rejectsSizeNotMatchingShape() {
    let data = file(header: "{" + entry(shape: [2, 3], offsets: [0, 20]) + "}", data: Array(repeating: 0, count: 20))
    #expect(throws: SafeTensorsError.sizeMismatch(tensor: "t", shape: [2, 3], dtype: .f32, byteCount: 20)) {
      try SafeTensorsFile(data: data)
    }
  }

  @Test func rejectsNegativeDimension() {
    let data = file(header: "{" + entry(shape: [-1], offsets: [0, 0]) + "}")
    #expect(throws: SafeTensorsError.sizeMismatch(tensor: "t", shape: [-1], dtype: .f32, byteCount: 0)) {
      try SafeTensorsFile(data: data)
    }
  }

  @Test func rejectsTruncatedData() {
    let data = file(header: "{" + entry(shape: [4], offsets: [0, 16]) + "}", data: Array(repeating: 0, count: 12))
    #expect(throws: SafeTensorsError.tensorBeyondFile(tensor: "t", end: 16, dataByteCount: 12)) {
      try SafeTensorsFile(data: data)
    }
  }

  @Test func rejectsGapOverlapAndTrailingBytes() {
    let gap = file(header: "{" + entry(shape: [1], offsets: [4, 8]) + "}", data: Array(repeating: 0, count: 8))
    #expect(throws: SafeTensorsError.misplacedTensor(tensor: "t", begin: 4, expectedBegin: 0)) {
      try SafeTensorsFile(data: gap)
    }
    let overlap = file(
      header: "{" + entry("a", shape: [2], offsets: [0, 8]) + "," + entry("b", shape: [1], offsets: [4, 8]) + "}",
      data: Array(repeating: 0, count: 8))
    #expect(throws: SafeTensorsError.misplacedTensor(tensor: "b", begin: 4, expectedBegin: 8)) {
      try SafeTensorsFile(data: overlap)
    }
    let trailing = file(header: "{" + entry(shape: [1], offsets: [0, 4]) + "}", data: Array(repeating: 0, count: 6))
    #expect(throws: SafeTensorsError.trailingBytes(dataByteCount: 6, used: 4)) { try SafeTensorsFile(data: trailing) }
  }

  @Test func readingRefusesMissingNamesAndNonFloatTypes() throws {
    let file = try SafeTensorsFile(data: SafeTensorsEncoder.encode([
      .init(name: "ids", dtype: .i64, shape: [2], bytes: Array(repeating: 0, count: 16)),
      .init(name: "doubles", dtype: .f64, shape: [1], bytes: Array(repeating: 0, count: 8)),
    ]))
    #expect(throws: SafeTensorsError.missingTensor("nope")) { try file.floats("nope") }
    #expect(throws: SafeTensorsError.unsupportedDType(tensor: "ids", dtype: .i64)) { try file.floats("ids") }
    #expect(throws: SafeTensorsError.unsupportedDType(tensor: "doubles", dtype: .f64)) { try file.floats("doubles") }
  }

  /// Opening maps the file; a missing path is named.
  @Test func opensFilesAndNamesUnreadableOnes() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID().uuidString).safetensors")
    try SafeTensorsEncoder.encode([.init(name: "x", shape: [3], floats: [1, 2, 3])]).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    #expect(try SafeTensorsFile(contentsOf: url).floats("x") == [1, 2, 3])
    let missing = url.appendingPathExtension("missing")
    #expect {
      try SafeTensorsFile(contentsOf: missing)
    } throws: { error in
      guard case let .unreadable(path, _) = error as? SafeTensorsError else { return false }
      return path == missing.path
    }
  }

  /// Reading a tensor hands its whole pages back to the kernel; reading it again (and its neighbours, which may
  /// share a page at either end) must fault the same bytes in from the file.
  @Test func tensorsReadAgainAfterTheirPagesAreDropped() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID().uuidString).safetensors")
    // 3 × 5000 floats: each tensor spans several 4 KB (or 16 KB) pages and shares pages with its neighbours.
    let values = (0..<3).map { t in (0..<5000).map { Float(t * 5000 + $0) * 0.25 - 7 } }
    try SafeTensorsEncoder.encode((0..<3).map { .init(name: "t\($0)", shape: [5000], floats: values[$0]) })
      .write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    let file = try SafeTensorsFile(contentsOf: url)
    for _ in 0..<2 {
      for t in [1, 0, 2] { #expect(try file.floats("t\(t)") == values[t], "t\(t)") }
    }
  }

  /// `withStoredBytes` lends exactly a tensor's stored bytes from the mapping (then drops their pages like
  /// `floats`), refuses unknown names, and the bytes read back after the drop.
  @Test func lendsStoredBytesInPlace() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID().uuidString).safetensors")
    let values = (0..<3).map { t in (0..<5000).map { Float(t * 5000 + $0) * 0.5 - 3 } }
    try SafeTensorsEncoder.encode((0..<3).map { .init(name: "t\($0)", shape: [5000], floats: values[$0]) })
      .write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    let file = try SafeTensorsFile(contentsOf: url)
    let littleEndian = { (floats: [Float]) in
      floats.flatMap { f in withUnsafeBytes(of: f.bitPattern.littleEndian, Array.init) }
    }
    for _ in 0..<2 {
      for t in [1, 0, 2] {
        #expect(try file.withStoredBytes("t\(t)") { Array($0) } == littleEndian(values[t]), "t\(t)")
      }
    }
    #expect(throws: SafeTensorsError.missingTensor("nope")) { try file.withStoredBytes("nope") { $0.count } }
  }
}
