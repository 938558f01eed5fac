/// The records of a segment file and the entries of a hint file: encoding, validation and the readers used at
/// open (`scan`, `parseHint`). Pure functions on bytes, public so that the libFuzzer harness and tools can call
/// them. The layout is described in `README.md` beside this file.
public enum SegmentFormat {
  /// The first four bytes of every record: 0x89 'C' 'W' 'R' (a non-ASCII first byte, as PNG's signature).
  public static let recordMagic: UInt32 = 0x5257_4389
  /// Bytes before the key: magic, crc, length, key length, reserved, stamp, count, reserved.
  public static let recordHeaderBytes = 32
  public static let maxKeyBytes = 4096
  public static let maxValueCount = 1 << 20
  /// The first eight bytes of a hint file: "CWHINT" 0x00 0x01 (format version 1).
  public static let hintMagic: [UInt8] = Array("CWHINT".utf8) + [0, 1]
  public static let hintHeaderBytes = 32
  public static let hintEntryBytes = 24

  /// The bytes of the record holding `values` under `key`, written at `stamp`.
  public static func encodeRecord(key: [UInt8], values: [Float], stamp: UInt64) -> [UInt8] {
    precondition((1...maxKeyBytes).contains(key.count), "PersistentStore: key of \(key.count) bytes")
    precondition(values.count <= maxValueCount, "PersistentStore: vector of \(values.count) values")
    let length = recordHeaderBytes + key.count + 4 * values.count
    var bytes: [UInt8] = []
    bytes.reserveCapacity(length)
    bytes.appendLE(recordMagic)
    bytes.appendLE(UInt32(0))  // crc, filled in below
    bytes.appendLE(UInt32(length))
    bytes.appendLE(UInt16(key.count))
    bytes.appendLE(UInt16(0))
    bytes.appendLE(stamp)
    bytes.appendLE(UInt32(values.count))
    bytes.appendLE(UInt32(0))
    bytes.append(contentsOf: key)
    bytes.appendFloats(values)
    bytes.storeLE(CRC32C.checksum(bytes, range: 8..<length), at: 4)
    return bytes
  }

  /// What a valid record's header says.
  public struct RecordHeader: Equatable, Sendable {
    public var length: Int
    public var keyLength: Int
    public var stamp: UInt64
    public var count: Int
    public var keyRange: Range<Int>
    public var valueOffset: Int
  }

  /// The header of the record at `offset` when the record is whole and its checksum matches, else nil.
  public static func validRecord(_ bytes: [UInt8], at offset: Int) -> RecordHeader? {
    guard offset >= 0, bytes.count - offset >= recordHeaderBytes, bytes.uint32(at: offset) == recordMagic else {
      return nil
    }
    let length = Int(bytes.uint32(at: offset + 8))
    let keyLength = Int(bytes.uint16(at: offset + 12))
    let count = Int(bytes.uint32(at: offset + 24))
    guard (1...maxKeyBytes).contains(keyLength), count <= maxValueCount,
      bytes.uint16(at: offset + 14) == 0, bytes.uint32(at: offset + 28) == 0,
      length == recordHeaderBytes + keyLength + 4 * count, length <= bytes.count - offset,
      CRC32C.checksum(bytes, range: offset + 8..<offset + length) == bytes.uint32(at: offset + 4)
    else { return nil }
    let keyStart = offset + recordHeaderBytes
    return RecordHeader(
      length: length, keyLength: keyLength, stamp: bytes.uint64(at: offset + 16), count: count,
      keyRange: keyStart..<keyStart + keyLength, valueOffset: keyStart + keyLength)
  }

  /// One valid record found by `scan`.
  public struct ScannedRecord: Equatable, Sendable {
    public var offset: Int
    public var length: Int
    public var digest: UInt64
    public var stamp: UInt64
  }

  /// What `scan` found in a segment's bytes.
  public struct ScanResult: Equatable, Sendable {
    /// The valid records, in file order.
    public var records: [ScannedRecord] = []
    /// Damaged stretches followed by a valid record (each counts as one dropped record).
    public var damagedRegions = 0
    /// Whether the bytes end in a stretch that is no valid record (a torn write, truncation or damage at the end).
    public var tornTail = false
    /// The end of the last valid record (0 when there is none).
    public var validEnd = 0
  }

  /// The valid records of a segment. A stretch that is not a valid record is skipped by searching for the next
  /// record magic from its second byte on, so a damaged length field does not hide the records after it.
  /// - Complexity: O(n) for intact segments; a damaged stretch costs a checksum per plausible header in it.
  public static func scan(_ bytes: [UInt8]) -> ScanResult {
    var result = ScanResult()
    var offset = 0
    var damaged = false
    while offset < bytes.count {
      if let header = validRecord(bytes, at: offset) {
        if damaged { result.damagedRegions += 1 }
        damaged = false
        result.records.append(
          ScannedRecord(
            offset: offset, length: header.length, digest: KeyDigest.of(Array(bytes[header.keyRange])),
            stamp: header.stamp))
        offset += header.length
        result.validEnd = offset
      } else {
        damaged = true
        offset = nextMagic(in: bytes, from: offset + 1)
      }
    }
    result.tornTail = damaged
    return result
  }

  /// The first offset at or after `start` where the record magic begins, or `bytes.count`.
  static func nextMagic(in bytes: [UInt8], from start: Int) -> Int {
    var i = start
    while i + 4 <= bytes.count {
      if bytes[i] == 0x89, bytes.uint32(at: i) == recordMagic { return i }
      i += 1
    }
    return bytes.count
  }

  /// One entry of a hint file: where a record of the segment is, its key's digest and its stamp.
  public struct HintEntry: Equatable, Sendable {
    public var digest: UInt64
    public var stamp: UInt64
    public var offset: UInt32
    public var length: UInt32

    public init(digest: UInt64, stamp: UInt64, offset: UInt32, length: UInt32) {
      self.digest = digest
      self.stamp = stamp
      self.offset = offset
      self.length = length
    }
  }

  /// The bytes of a hint file for a segment whose first `coveredBytes` bytes hold the records `entries` lists.
  public static func encodeHint(_ entries: [HintEntry], coveredBytes: Int) -> [UInt8] {
    var bytes = hintMagic
    bytes.reserveCapacity(hintHeaderBytes + hintEntryBytes * entries.count)
    bytes.appendLE(UInt32(0))  // crc, filled in below
    bytes.appendLE(UInt32(entries.count))
    bytes.appendLE(UInt64(coveredBytes))
    bytes.appendLE(UInt64(0))
    for entry in entries {
      bytes.appendLE(entry.digest)
      bytes.appendLE(entry.stamp)
      bytes.appendLE(entry.offset)
      bytes.appendLE(entry.length)
    }
    bytes.storeLE(CRC32C.checksum(bytes, range: 12..<bytes.count), at: 8)
    return bytes
  }

  /// A hint file's covered length and entries, or nil unless it is whole, its checksum matches and every entry
  /// lies inside the covered bytes with room for a record. The records themselves are checked when read.
  public static func parseHint(_ bytes: [UInt8]) -> (coveredBytes: Int, entries: [HintEntry])? {
    guard bytes.count >= hintHeaderBytes, Array(bytes[0..<8]) == hintMagic,
      CRC32C.checksum(bytes, range: 12..<bytes.count) == bytes.uint32(at: 8), bytes.uint64(at: 24) == 0
    else { return nil }
    let count = Int(bytes.uint32(at: 12))
    let covered = bytes.uint64(at: 16)
    guard bytes.count == hintHeaderBytes + hintEntryBytes * count, covered <= UInt64(UInt32.max) else { return nil }
    var entries: [HintEntry] = []
    entries.reserveCapacity(count)
    let minimum = UInt64(recordHeaderBytes + 1)
    for i in 0..<count {
      let at = hintHeaderBytes + hintEntryBytes * i
      let entry = HintEntry(
        digest: bytes.uint64(at: at), stamp: bytes.uint64(at: at + 8), offset: bytes.uint32(at: at + 16),
        length: bytes.uint32(at: at + 20))
      guard entry.digest != 0, UInt64(entry.length) >= minimum,
        UInt64(entry.offset) + UInt64(entry.length) <= covered
      else { return nil }
      entries.append(entry)
    }
    return (Int(covered), entries)
  }
}
