import Foundation

/// One `.safetensors` file, memory-mapped and validated.
///
/// The layout is an 8-byte little-endian `UInt64` header length `N`, `N` bytes of JSON mapping tensor names
/// to `{"dtype", "shape", "data_offsets"}` (plus an optional `"__metadata__"` string map), then the data
/// section. Opening checks every entry against the file — the dtype is known, the byte count matches the
/// shape, and the tensors tile the data section exactly, as the reference implementation demands — so that
/// reading a tensor afterwards cannot run off the mapping.
///
/// The file is mapped, not read: opening costs the header only, and each tensor's pages are touched when
/// `floats(_:)` converts it (or `withStoredBytes(_:_:)` lends it to a reader that converts in place). Once
/// converted, those pages are handed back to the kernel (`MADV_DONTNEED`; they
/// stay in the page cache and a second read faults them in again), so loading a model holds its converted
/// weights plus one tensor of the file at a time, not the converted weights plus the whole file.
public struct SafeTensorsFile: Sendable {
  /// The tensors by name.
  public let tensors: [String: TensorInfo]
  /// The header's `__metadata__` map (e.g. `{"format": "pt"}`), empty when absent.
  public let metadata: [String: String]
  /// The whole file.
  private let bytes: Data
  /// Where the data section starts in `bytes`: 8 + header length.
  private let dataStart: Int
  /// Whether `bytes` is our read-only file mapping, whose pages may be dropped after reading.
  private var releasesPages = false

  /// The reference implementation's cap on the header length.
  public static let headerLimit: UInt64 = 100_000_000

  /// Maps and validates the file at `url`.
  public init(contentsOf url: URL) throws {
    try self.init(data: MappedFile.map(url))
    releasesPages = true
  }

  /// Validates a file already in memory (tests build corrupt files this way).
  public init(data: Data) throws {
    // Work on a zero-based view: a `Data` slice keeps its parent's indices.
    let bytes = data.startIndex == 0 ? data : Data(data)
    guard bytes.count >= 8 else { throw SafeTensorsError.fileTooSmall(byteCount: bytes.count) }
    var declared: UInt64 = 0
    for i in (0..<8).reversed() { declared = declared << 8 | UInt64(bytes[i]) }
    guard declared <= Self.headerLimit else {
      throw SafeTensorsError.headerTooLarge(declared: declared, limit: Self.headerLimit)
    }
    let available = UInt64(bytes.count - 8)
    guard declared <= available else {
      throw SafeTensorsError.headerBeyondFile(declared: declared, available: available)
    }
    let headerLength = Int(declared)
    let header = try SafeTensorsHeader(json: bytes[8 ..< 8 + headerLength])
    let dataByteCount = available - declared
    self.tensors = try Self.validate(header.entries, dataByteCount: dataByteCount)
    self.metadata = header.metadata
    self.bytes = bytes
    self.dataStart = 8 + headerLength
  }

  /// Checks each entry's dtype, size and place, in offset order.
  private static func validate(_ entries: [SafeTensorsHeader.Entry], dataByteCount: UInt64) throws
    -> [String: TensorInfo]
  {
    var placed: [(entry: SafeTensorsHeader.Entry, dtype: DType, begin: UInt64, end: UInt64)] = []
    for entry in entries {
      guard let dtype = DType(rawValue: entry.dtype) else {
        throw SafeTensorsError.unknownDType(tensor: entry.name, dtype: entry.dtype)
      }
      guard entry.offsets.count == 2, entry.offsets[0] <= entry.offsets[1] else {
        throw SafeTensorsError.invalidOffsets(tensor: entry.name, offsets: entry.offsets)
      }
      let (begin, end) = (entry.offsets[0], entry.offsets[1])
      let sizeMismatch = SafeTensorsError.sizeMismatch(
        tensor: entry.name, shape: entry.shape, dtype: dtype, byteCount: end - begin)
      var expected = UInt64(dtype.byteWidth)
      for dimension in entry.shape {
        guard dimension >= 0 else { throw sizeMismatch }
        let (product, overflow) = expected.multipliedReportingOverflow(by: UInt64(dimension))
        guard !overflow else { throw sizeMismatch }
        expected = product
      }
      guard expected == end - begin else { throw sizeMismatch }
      guard end <= dataByteCount else {
        throw SafeTensorsError.tensorBeyondFile(tensor: entry.name, end: end, dataByteCount: dataByteCount)
      }
      placed.append((entry, dtype, begin, end))
    }
    placed.sort { ($0.begin, $0.end, $0.entry.name) < ($1.begin, $1.end, $1.entry.name) }
    var tensors: [String: TensorInfo] = [:]
    var cursor: UInt64 = 0
    for item in placed {
      guard item.begin == cursor else {
        throw SafeTensorsError.misplacedTensor(tensor: item.entry.name, begin: item.begin, expectedBegin: cursor)
      }
      cursor = item.end
      tensors[item.entry.name] = TensorInfo(
        name: item.entry.name, dtype: item.dtype, shape: item.entry.shape,
        dataRange: Int(item.begin) ..< Int(item.end))
    }
    guard cursor == dataByteCount else {
      throw SafeTensorsError.trailingBytes(dataByteCount: dataByteCount, used: cursor)
    }
    return tensors
  }

  /// The tensor `name` converted to `Float` (F16 and BF16 widened exactly), in row-major order.
  ///
  /// - Throws: `SafeTensorsError.missingTensor` or `.unsupportedDType`.
  public func floats(_ name: String) throws -> [Float] {
    guard let info = tensors[name] else { throw SafeTensorsError.missingTensor(name) }
    guard info.dtype.isReadableAsFloat else { throw SafeTensorsError.unsupportedDType(tensor: name, dtype: info.dtype) }
    let range = dataStart + info.dataRange.lowerBound ..< dataStart + info.dataRange.upperBound
    let floats = FloatDecoding.decode(bytes, range: range, dtype: info.dtype, count: info.elementCount)
    releasePages(range)
    return floats
  }

  /// Runs `body` with the stored bytes of tensor `name` (a slice sharing the mapping, not a copy), then hands
  /// their pages back to the kernel as `floats(_:)` does: for readers that convert the bytes in place.
  ///
  /// - Throws: `SafeTensorsError.missingTensor`, or what `body` throws.
  public func withStoredBytes<R>(_ name: String, _ body: (Data) throws -> R) throws -> R {
    guard let info = tensors[name] else { throw SafeTensorsError.missingTensor(name) }
    let range = dataStart + info.dataRange.lowerBound ..< dataStart + info.dataRange.upperBound
    defer { releasePages(range) }
    return try body(bytes[range])
  }

  /// The elements `elements` of tensor `name` (in row-major order) converted to `Float`, their pages then handed
  /// back as `floats(_:)` does: for readers that convert a large tensor a piece at a time, so that neither the
  /// whole tensor's floats nor all of its pages are resident at once.
  ///
  /// - Throws: `SafeTensorsError.missingTensor` or `.unsupportedDType`.
  /// - Precondition: `elements` lies within the tensor.
  public func floats(_ name: String, elements: Range<Int>) throws -> [Float] {
    guard let info = tensors[name] else { throw SafeTensorsError.missingTensor(name) }
    guard info.dtype.isReadableAsFloat else { throw SafeTensorsError.unsupportedDType(tensor: name, dtype: info.dtype) }
    precondition(elements.lowerBound >= 0 && elements.upperBound <= info.elementCount,
                 "floats: elements \(elements) of \(info.elementCount)")
    let width = info.dtype.byteWidth, start = dataStart + info.dataRange.lowerBound
    let range = start + elements.lowerBound * width ..< start + elements.upperBound * width
    let floats = FloatDecoding.decode(bytes, range: range, dtype: info.dtype, count: elements.count)
    releasePages(range)
    return floats
  }

  private func releasePages(_ range: Range<Int>) {
    if releasesPages { bytes.withUnsafeBytes { MappedFile.release($0, range: range) } }
  }
}
