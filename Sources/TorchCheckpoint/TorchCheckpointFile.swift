import Foundation
import Kernels
import SafeTensors

/// One `torch.save` file (`pytorch_model.bin` or a shard of it), memory-mapped, its pickle read safely.
///
/// Since torch 1.6 the file is a zip archive (entries normally stored, not compressed, and 64-byte aligned) holding
/// `<archive>/data.pkl` (the pickled state dict, whose tensors refer to storages by key), `<archive>/data/<key>` (each
/// storage's raw bytes), `<archive>/byteorder` (`little` or `big`) and `<archive>/version`. Opening reads the
/// central directory and the pickle — with `TorchUnpickler`, which refuses every global that does not rebuild a
/// tensor — and checks that every tensor's shape, strides and offset lie inside its storage, and every storage entry
/// has exactly its elements' bytes. Reading a tensor afterwards cannot run off the mapping.
///
/// A contiguous little-endian tensor is lent as a slice of the mapping (no copy), and its pages are handed back to the
/// kernel afterwards, as `SafeTensorsFile` does; a non-contiguous view, or a big-endian file, is gathered into a copy.
public struct TorchCheckpointFile: Sendable {
  /// The tensors by name.
  public let tensors: [String: TorchTensorInfo]
  /// Whether the storages are big-endian (`byteorder` says `big`); their elements are swapped when read.
  public let isBigEndian: Bool
  private let archive: ZipArchive
  /// The archive entry of each storage key.
  private let storageEntries: [String: ZipArchive.Entry]
  /// The deflated storages (rare: torch.save stores its entries), inflated once at open, so a corrupt stream is
  /// refused there and reading cannot fail.
  private let inflated: [String: Data]
  /// Whether `archive.bytes` is our read-only file mapping, whose pages may be dropped after reading.
  private var releasesPages = false

  /// `data.pkl` larger than this is refused (a state dict of 10^5 tensors pickles to a few MB).
  public static let pickleLimit = 64 << 20

  /// Maps and reads the file at `url`; errors name it by its last path component.
  public init(contentsOf url: URL) throws {
    let data: Data
    do {
      data = try MappedFile.map(url)
    } catch let error as SafeTensorsError {
      guard case let .unreadable(path, reason) = error else { throw error }
      throw TorchCheckpointError.unreadable(path: path, reason: reason)
    }
    try self.init(data: data, file: url.lastPathComponent)
    releasesPages = true
  }

  /// Reads a file already in memory; `file` is the name errors report.
  public init(data: Data, file: String) throws {
    let bytes = data.startIndex == 0 ? data : Data(data)
    guard bytes.count >= 4, bytes[0] == 0x50, bytes[1] == 0x4B, bytes[2] == 0x03 || bytes[2] == 0x05 else {
      // Before torch 1.6: a pickle stream (protocol 2: 0x80 0x02, the magic number first) or a tar archive.
      let isTar = bytes.count >= 262 && bytes[257..<262].elementsEqual("ustar".utf8)
      if bytes.first == 0x80 || isTar { throw TorchCheckpointError.legacyFormat(file: file) }
      throw TorchCheckpointError.invalidArchive(file: file, reason: "not a zip archive")
    }
    let archive = try ZipArchive(bytes, file: file)
    self.archive = archive

    // The record prefix: the directory of the one `<archive>/data.pkl`.
    let pickles = archive.entries.keys.filter {
      $0.hasSuffix("/data.pkl") && $0.split(separator: "/", omittingEmptySubsequences: false).count == 2
    }
    guard let pickleName = pickles.first else {
      throw TorchCheckpointError.missingEntry(file: file, entry: "<archive>/data.pkl")
    }
    guard pickles.count == 1 else {
      throw TorchCheckpointError.invalidArchive(file: file, reason: "several data.pkl: \(pickles.sorted())")
    }
    let prefix = String(pickleName.dropLast("data.pkl".count))

    if let entry = archive.entries[prefix + "byteorder"] {
      let order = String(decoding: try archive.data(of: entry).prefix(16), as: UTF8.self)
      guard order == "little" || order == "big" else {
        throw TorchCheckpointError.invalidByteOrder(file: file, found: order)
      }
      isBigEndian = order == "big"
    } else {
      isBigEndian = false  // Archives before torch 1.10 have no byteorder record, and were little-endian.
    }

    let pickleEntry = archive.entries[pickleName]!
    guard pickleEntry.uncompressedSize <= Self.pickleLimit else {
      throw TorchCheckpointError.invalidArchive(
        file: file, reason: "data.pkl of \(pickleEntry.uncompressedSize) bytes is over \(Self.pickleLimit)")
    }
    var storageEntries: [String: ZipArchive.Entry] = [:]
    var inflated: [String: Data] = [:]
    var unpickler = TorchUnpickler(Array(try archive.data(of: pickleEntry)), file: file) { key, dtype, count in
      let name = prefix + "data/" + key
      guard let entry = archive.entries[name] else { throw TorchCheckpointError.missingEntry(file: file, entry: name) }
      let (size, overflow) = count.multipliedReportingOverflow(by: dtype.byteWidth)
      guard !overflow, entry.uncompressedSize == size else {
        throw TorchCheckpointError.invalidArchive(
          file: file, reason: "storage \(name) has \(entry.uncompressedSize) bytes, not \(count) \(dtype.torchName)")
      }
      storageEntries[key] = entry
      if entry.method != 0 { inflated[key] = try archive.data(of: entry) }
    }
    let root = try unpickler.run()
    self.storageEntries = storageEntries
    self.inflated = inflated
    self.tensors = try Self.stateDict(root, unpickler, file: file)
  }

  /// The tensors of the pickle's value, which must be a dict of names to tensors lying inside their storages.
  private static func stateDict(_ root: PickleValue, _ unpickler: TorchUnpickler, file: String) throws
    -> [String: TorchTensorInfo]
  {
    guard case .dict(let index) = root else {
      throw TorchCheckpointError.notAStateDict(file: file, reason: "the pickle holds no dict")
    }
    var tensors: [String: TorchTensorInfo] = [:]
    for (key, value) in unpickler.dicts[index] {
      guard case .string(let name) = key else {
        throw TorchCheckpointError.notAStateDict(file: file, reason: "a key that is not a string")
      }
      guard case .tensor(let t) = value else {
        throw TorchCheckpointError.notAStateDict(file: file, reason: "\(name) is not a tensor")
      }
      let tensor = unpickler.tensors[t], storage = unpickler.storages[tensor.storage]
      func outOfBounds(_ reason: String) -> TorchCheckpointError {
        .tensorOutOfBounds(file: file, tensor: name, reason: reason)
      }
      // The last element's index: offset + Σ (size - 1) · stride, which must be inside the storage.
      var count = 1, last = tensor.offset
      guard tensor.offset >= 0 else { throw outOfBounds("has a negative storage offset") }
      for (size, stride) in zip(tensor.shape, tensor.strides) {
        let (product, overflow) = count.multipliedReportingOverflow(by: size)
        guard !overflow else { throw outOfBounds("has \(tensor.shape) elements, too many") }
        count = product
        guard size > 0 else { continue }
        let (step, stepOverflow) = (size - 1).multipliedReportingOverflow(by: stride)
        let (sum, sumOverflow) = last.addingReportingOverflow(step)
        guard !stepOverflow, !sumOverflow else { throw outOfBounds("reaches past any storage") }
        last = sum
      }
      guard count == 0 || last < storage.count else {
        throw outOfBounds("(size \(tensor.shape), stride \(tensor.strides), offset \(tensor.offset)) reaches element "
          + "\(last) of a storage of \(storage.count)")
      }
      tensors[name] = TorchTensorInfo(name: name, dtype: storage.dtype, shape: tensor.shape, strides: tensor.strides,
                                      storageOffset: tensor.offset, storageKey: storage.key)
    }
    return tensors
  }

  /// The tensor `name` converted to `Float` (F16 and BF16 widened exactly), in row-major order.
  /// - Throws: `TorchCheckpointError.missingTensor` or `.unsupportedDType`.
  public func floats(_ name: String) throws -> [Float] {
    guard let info = tensors[name] else { throw TorchCheckpointError.missingTensor(name) }
    guard info.dtype.isReadableAsFloat else {
      throw TorchCheckpointError.unsupportedDType(tensor: name, dtype: info.dtype.torchName)
    }
    return try withStoredBytes(name) { bytes in
      switch info.dtype {
      case .f16: widenFloat16(bytes)
      case .bf16: widenBFloat16(bytes)
      default: widenFloat32(bytes)
      }
    }
  }

  /// Runs `body` with the bytes of tensor `name` in row-major order, little-endian: a slice of the mapping when the
  /// tensor is contiguous in a little-endian file, else a gathered copy.
  /// - Throws: `TorchCheckpointError.missingTensor`, or what `body` throws.
  public func withStoredBytes<R>(_ name: String, _ body: (Data) throws -> R) throws -> R {
    guard let info = tensors[name], let entry = storageEntries[info.storageKey] else {
      throw TorchCheckpointError.missingTensor(name)
    }
    let width = info.dtype.byteWidth
    if entry.method == 0, info.isContiguous, !isBigEndian {
      let start = entry.dataRange.lowerBound + info.storageOffset * width
      let range = start..<start + info.elementCount * width
      defer { releasePages(range) }
      return try body(archive.bytes[range])
    }
    let storage = inflated[info.storageKey] ?? archive.bytes[entry.dataRange]
    defer { if entry.method == 0 { releasePages(entry.dataRange) } }
    return try body(Self.gather(storage, info, swapping: isBigEndian))
  }

  /// The elements of `info` copied out of `storage` in row-major order, each one's bytes reversed when `swapping`.
  private static func gather(_ storage: Data, _ info: TorchTensorInfo, swapping: Bool) -> Data {
    let width = info.dtype.byteWidth, count = info.elementCount
    var output = [UInt8](repeating: 0, count: count * width)
    guard count > 0 else { return Data() }
    let base = storage.startIndex
    var index = [Int](repeating: 0, count: info.shape.count)
    var element = info.storageOffset
    for n in 0..<count {
      let source = base + element * width
      for b in 0..<width { output[n * width + b] = storage[source + (swapping ? width - 1 - b : b)] }
      // Odometer over the dimensions, innermost fastest.
      var d = info.shape.count - 1
      while d >= 0 {
        index[d] += 1
        element += info.strides[d]
        if index[d] < info.shape[d] { break }
        element -= info.strides[d] * info.shape[d]
        index[d] = 0
        d -= 1
      }
    }
    return Data(output)
  }

  private func releasePages(_ range: Range<Int>) {
    if releasesPages { archive.bytes.withUnsafeBytes { MappedFile.release($0, range: range) } }
  }
}
