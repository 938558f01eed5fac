import Foundation

/// The bytes of a collection file (`<store>/collections/<name>.col`), little-endian:
///
/// ```
/// "CWCOL002"                                  8 bytes, magic and format version
/// identity: u32 length + UTF-8, model: u32 length + UTF-8
/// dimension: u32, updated: f64, count: u64
/// count × { path: u32 length + UTF-8, sha256: 32 bytes, size: i64, modified: f64, inode: u64, changed: f64,
///           vector: dimension × f32 }
/// SHA-256 of every byte above                 32 bytes
/// ```
/// Entries are written in path order, so the same collection always gives the same bytes. Version 001 files (no
/// inode or ctime) are read with both 0: the next `index` reads each file once more.
enum CollectionFile {
  static let magic = Array("CWCOL002".utf8)
  static let version1Magic = Array("CWCOL001".utf8)

  enum DecodeError: Error, Equatable, CustomStringConvertible {
    case badMagic
    case badChecksum
    case truncated
    case invalid(String)

    var description: String {
      switch self {
      case .badMagic: return "not a collection file (bad magic)"
      case .badChecksum: return "checksum mismatch (the file is damaged)"
      case .truncated: return "the file is truncated"
      case let .invalid(why): return "invalid collection file: \(why)"
      }
    }
  }

  static func encode(_ collection: EmbeddingCollection) -> [UInt8] {
    var bytes = magic
    bytes.reserveCapacity(64 + collection.entries.count * (100 + 4 * collection.dimension))
    func string(_ text: String) {
      let utf8 = Array(text.utf8)
      integer(UInt32(utf8.count))
      bytes += utf8
    }
    func integer<T: FixedWidthInteger>(_ value: T) {
      withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }
    string(collection.identity)
    string(collection.model)
    integer(UInt32(collection.dimension))
    integer(collection.updated.bitPattern)
    integer(UInt64(collection.entries.count))
    for (path, entry) in collection.entries.sorted(by: { $0.key < $1.key }) {
      string(path)
      bytes += hexBytes(entry.sha256)
      integer(entry.size)
      integer(entry.modified.bitPattern)
      integer(entry.inode)
      integer(entry.changed.bitPattern)
      for value in entry.vector { integer(value.bitPattern) }
    }
    bytes += SHA256.hash(bytes)
    return bytes
  }

  static func decode(_ bytes: [UInt8]) throws(DecodeError) -> EmbeddingCollection {
    guard bytes.count >= magic.count + 32 else { throw .truncated }
    let version1 = Array(bytes[0..<magic.count]) == version1Magic
    guard Array(bytes[0..<magic.count]) == magic || version1 else { throw .badMagic }
    let body = bytes.count - 32
    guard SHA256.hash(Array(bytes[0..<body])) == Array(bytes[body...]) else { throw .badChecksum }
    var offset = magic.count
    func integer<T: FixedWidthInteger>(_: T.Type) throws(DecodeError) -> T {
      let size = MemoryLayout<T>.size
      guard offset + size <= body else { throw .truncated }
      var value: T = 0
      for index in 0..<size { value |= T(truncatingIfNeeded: bytes[offset + index]) << (8 * index) }
      offset += size
      return value
    }
    func string() throws(DecodeError) -> String {
      let count = Int(try integer(UInt32.self))
      guard offset + count <= body else { throw .truncated }
      defer { offset += count }
      guard let text = String(validating: bytes[offset..<offset + count], as: UTF8.self) else {
        throw .invalid("a string is not UTF-8")
      }
      return text
    }
    let identity = try string()
    let model = try string()
    let dimension = Int(try integer(UInt32.self))
    let updated = Double(bitPattern: try integer(UInt64.self))
    let count = try integer(UInt64.self)
    let fixedEntryBytes = version1 ? 52 : 68
    guard dimension > 0, count <= UInt64(body / (4 * dimension + fixedEntryBytes)) else {
      throw .invalid("bad dimension or count")
    }
    var entries: [String: EmbeddingCollection.Entry] = [:]
    entries.reserveCapacity(Int(count))
    for _ in 0..<count {
      let path = try string()
      guard offset + 32 <= body else { throw .truncated }
      let sha = hexString(bytes[offset..<offset + 32])
      offset += 32
      let size = try integer(Int64.self)
      let modified = Double(bitPattern: try integer(UInt64.self))
      let inode = try version1 ? 0 : integer(UInt64.self)
      let changed = try version1 ? 0 : Double(bitPattern: integer(UInt64.self))
      var vector = [Float](repeating: 0, count: dimension)
      for index in 0..<dimension { vector[index] = Float(bitPattern: try integer(UInt32.self)) }
      entries[path] = .init(sha256: sha, size: size, modified: modified, vector: vector, inode: inode, changed: changed)
    }
    guard offset == body else { throw .invalid("\(body - offset) bytes after the last entry") }
    return EmbeddingCollection(
      identity: identity, model: model, dimension: dimension, updated: updated, entries: entries)
  }

  private static func hexBytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    precondition(digits.count == 64, "CollectionFile: a SHA-256 is 64 hex digits, found \(hex)")
    func value(_ digit: UInt8) -> UInt8 { digit >= 97 ? digit - 87 : digit >= 65 ? digit - 55 : digit - 48 }
    return stride(from: 0, to: 64, by: 2).map { value(digits[$0]) << 4 | value(digits[$0 + 1]) }
  }

  private static func hexString(_ bytes: ArraySlice<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(64)
    for byte in bytes { out += [digits[Int(byte >> 4)], digits[Int(byte & 15)]] }
    return String(decoding: out, as: UTF8.self)
  }
}
