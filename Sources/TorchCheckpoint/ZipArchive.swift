import Foundation
import Inflate

/// The entries of a zip archive, read from its central directory (the truth; local headers are consulted only for
/// where each entry's data begins), with ZIP64 for archives and entries past 4 GiB.
///
/// Only what `torch.save` writes is needed: one disk, entries stored (method 0, the usual) or deflated (8), no
/// encryption. Every offset and size is checked against the file, so `data(of:)` cannot run off it.
struct ZipArchive {
  /// One entry: where its (possibly compressed) bytes are in the file and how to read them.
  struct Entry: Equatable {
    var name: String
    var method: UInt16
    var dataRange: Range<Int>
    var uncompressedSize: Int
  }

  /// The entries by name.
  let entries: [String: Entry]
  /// The whole file, zero-based.
  let bytes: Data
  /// The name errors are reported under.
  let file: String

  /// Deflated entries are inflated in memory; more than this is refused (torch.save stores its entries).
  static let deflatedLimit = 256 << 20

  private static let endSignature: UInt32 = 0x0605_4b50
  private static let zip64EndSignature: UInt32 = 0x0606_4b50
  private static let zip64LocatorSignature: UInt32 = 0x0706_4b50
  private static let centralSignature: UInt32 = 0x0201_4b50
  private static let localSignature: UInt32 = 0x0403_4b50

  init(_ data: Data, file: String) throws {
    let bytes = data.startIndex == 0 ? data : Data(data)
    self.bytes = bytes
    self.file = file
    let reader = ByteReader(bytes: bytes)
    func invalid(_ reason: String) -> TorchCheckpointError { .invalidArchive(file: file, reason: reason) }

    // The end of central directory record: the last signature within the final 22 + 65,535 bytes.
    guard bytes.count >= 22 else { throw invalid("\(bytes.count) bytes is too short for a zip file") }
    var end = -1
    var position = bytes.count - 22
    let lowest = max(0, bytes.count - 22 - 0xFFFF)
    while position >= lowest {
      if reader.u32(position) == Self.endSignature, let comment = reader.u16(position + 20),
         position + 22 + Int(comment) == bytes.count {
        end = position
        break
      }
      position -= 1
    }
    guard end >= 0 else { throw invalid("no end of central directory record") }
    var entryCount = UInt64(reader.u16(end + 10)!)
    var directorySize = UInt64(reader.u32(end + 12)!)
    var directoryOffset = UInt64(reader.u32(end + 16)!)
    var directoryLimit = end
    guard reader.u16(end + 4) == 0 || reader.u16(end + 4) == 0xFFFF else { throw invalid("multi-disk archive") }
    if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
      // ZIP64: a locator right before the end record points at the ZIP64 end record.
      guard end >= 20, reader.u32(end - 20) == Self.zip64LocatorSignature, let recordOffset = reader.u64(end - 12),
            recordOffset <= UInt64(end - 20), reader.u32(Int(recordOffset)) == Self.zip64EndSignature,
            let count = reader.u64(Int(recordOffset) + 32), let size = reader.u64(Int(recordOffset) + 40),
            let offset = reader.u64(Int(recordOffset) + 48)
      else { throw invalid("the ZIP64 end of central directory record is missing or malformed") }
      (entryCount, directorySize, directoryOffset) = (count, size, offset)
      directoryLimit = Int(recordOffset)
    }
    guard directoryOffset <= UInt64(directoryLimit), directorySize <= UInt64(directoryLimit) - directoryOffset else {
      throw invalid("the central directory (\(directorySize) bytes at \(directoryOffset)) runs past its end record")
    }
    // Each central directory header is at least 46 bytes: a larger count cannot be true.
    guard entryCount <= directorySize / 46 else {
      throw invalid("\(entryCount) entries cannot fit in a \(directorySize)-byte central directory")
    }

    var entries: [String: Entry] = [:]
    var cursor = Int(directoryOffset)
    let directoryEnd = Int(directoryOffset + directorySize)
    for index in 0..<Int(entryCount) {
      guard cursor + 46 <= directoryEnd, reader.u32(cursor) == Self.centralSignature else {
        throw invalid("central directory entry \(index) is malformed")
      }
      let flags = reader.u16(cursor + 8)!, method = reader.u16(cursor + 10)!
      var compressed = UInt64(reader.u32(cursor + 20)!), uncompressed = UInt64(reader.u32(cursor + 24)!)
      let nameLength = Int(reader.u16(cursor + 28)!), extraLength = Int(reader.u16(cursor + 30)!)
      let commentLength = Int(reader.u16(cursor + 32)!)
      var localOffset = UInt64(reader.u32(cursor + 42)!)
      let nameStart = cursor + 46, extraStart = nameStart + nameLength
      let next = extraStart + extraLength + commentLength
      guard next <= directoryEnd else { throw invalid("central directory entry \(index) runs past the directory") }
      guard let name = String(bytes: bytes[nameStart..<extraStart], encoding: .utf8) else {
        throw invalid("central directory entry \(index) has a name that is not UTF-8")
      }
      guard flags & 1 == 0 else { throw invalid("entry \(name) is encrypted") }
      guard method == 0 || method == 8 else {
        throw TorchCheckpointError.unsupportedCompression(file: file, entry: name, method: method)
      }
      // The ZIP64 extended information field holds, in order, each 32-bit field that is saturated.
      if compressed == 0xFFFF_FFFF || uncompressed == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF {
        guard let field = Self.zip64Field(reader, from: extraStart, to: extraStart + extraLength) else {
          throw invalid("entry \(name) has saturated sizes but no ZIP64 extra field")
        }
        var at = field.lowerBound
        func take() throws -> UInt64 {
          guard at + 8 <= field.upperBound, let value = reader.u64(at) else {
            throw invalid("entry \(name)'s ZIP64 extra field is too short")
          }
          at += 8
          return value
        }
        if uncompressed == 0xFFFF_FFFF { uncompressed = try take() }
        if compressed == 0xFFFF_FFFF { compressed = try take() }
        if localOffset == 0xFFFF_FFFF { localOffset = try take() }
      }
      guard bytes.count >= 30, localOffset <= UInt64(bytes.count - 30), reader.u32(Int(localOffset)) == Self.localSignature else {
        throw invalid("entry \(name)'s local header at \(localOffset) is missing")
      }
      let local = Int(localOffset)
      let dataStart = local + 30 + Int(reader.u16(local + 26)!) + Int(reader.u16(local + 28)!)
      guard compressed <= UInt64(bytes.count), dataStart <= bytes.count - Int(compressed) else {
        throw invalid("entry \(name)'s \(compressed) bytes at \(dataStart) run past the end of the file")
      }
      guard uncompressed <= UInt64(Int.max) else { throw invalid("entry \(name) declares \(uncompressed) bytes") }
      guard method == 8 || uncompressed == compressed else {
        throw invalid("stored entry \(name) declares \(uncompressed) bytes but holds \(compressed)")
      }
      guard entries[name] == nil else { throw invalid("entry \(name) appears twice") }
      entries[name] = Entry(name: name, method: method, dataRange: dataStart..<dataStart + Int(compressed),
                            uncompressedSize: Int(uncompressed))
      cursor = next
    }
    self.entries = entries
  }

  /// The bytes of the ZIP64 extended information field (header id 1) among the extra fields in `range`.
  private static func zip64Field(_ reader: ByteReader, from start: Int, to end: Int) -> Range<Int>? {
    var at = start
    while at + 4 <= end {
      let id = reader.u16(at)!, size = Int(reader.u16(at + 2)!)
      guard at + 4 + size <= end else { return nil }
      if id == 1 { return at + 4..<at + 4 + size }
      at += 4 + size
    }
    return nil
  }

  /// The uncompressed bytes of `entry`: a slice of the file when stored, inflated when deflated.
  func data(of entry: Entry) throws -> Data {
    switch entry.method {
    case 0: return bytes[entry.dataRange]
    case 8:
      guard entry.uncompressedSize <= Self.deflatedLimit else {
        throw TorchCheckpointError.invalidArchive(
          file: file, reason: "deflated entry \(entry.name) of \(entry.uncompressedSize) bytes is over the limit")
      }
      let output = try? Deflate.inflate(Array(bytes[entry.dataRange]), maxOutput: entry.uncompressedSize,
                                        expectedSize: entry.uncompressedSize)
      guard let output, output.output.count == entry.uncompressedSize else {
        throw TorchCheckpointError.corruptEntry(file: file, entry: entry.name, size: entry.uncompressedSize)
      }
      return Data(output.output)
    default:
      throw TorchCheckpointError.unsupportedCompression(file: file, entry: entry.name, method: entry.method)
    }
  }
}

/// Little-endian integers at byte offsets of a zero-based `Data`, nil past its end.
struct ByteReader {
  let bytes: Data

  func u16(_ at: Int) -> UInt16? { value(at, 2).map { UInt16($0) } }
  func u32(_ at: Int) -> UInt32? { value(at, 4).map { UInt32($0) } }
  func u64(_ at: Int) -> UInt64? { value(at, 8) }

  private func value(_ at: Int, _ width: Int) -> UInt64? {
    guard at >= 0, at <= bytes.count - width else { return nil }
    var result: UInt64 = 0
    for i in (0..<width).reversed() { result = result << 8 | UInt64(bytes[at + i]) }
    return result
  }
}
