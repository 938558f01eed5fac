// fuzz-modules: PersistentStore
// fuzz-seeds: Tests/Fuzz/seeds/store-* Tests/PersistentStoreTests/Fixtures/fuzz-regressions/store-*
// fuzz-options: -malloc_limit_mb=256 -max_len=16384
//
// The readers of PersistentStore's files on arbitrary bytes. The first byte picks the path:
//   even: `SegmentFormat.scan` on the rest, then `parseHint` on it twice (as is, and with its checksum fixed up
//         so that mutations reach the entry checks, as the png harness does for chunk CRCs);
//   odd:  the rest is split at its second byte into a segment file and a hint file (checksum fixed up) in a
//         scratch directory, and the store is opened on them: every key the scan finds must come back with the
//         record's own values or not at all, and a second open must agree.
// Invariants: records lie inside the input, in order, without overlap, each valid on its own; hint entries lie
// inside the covered bytes; the store never returns a vector that differs from its record.
import Foundation
import PersistentStore

let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("store-fuzz-\(getpid())")

func checkScan(_ bytes: [UInt8]) -> SegmentFormat.ScanResult {
  let scan = SegmentFormat.scan(bytes)
  var end = 0
  for record in scan.records {
    precondition(record.offset >= end && record.offset + record.length <= bytes.count, "record out of place")
    let header = SegmentFormat.validRecord(bytes, at: record.offset)
    precondition(header?.length == record.length && header?.stamp == record.stamp, "scanned record not valid")
    end = record.offset + record.length
  }
  precondition(scan.validEnd == end && end <= bytes.count, "validEnd \(scan.validEnd) != \(end)")
  return scan
}

func fixHintChecksum(_ bytes: [UInt8]) -> [UInt8] {
  guard bytes.count >= 12 else { return bytes }
  var fixed = bytes
  let crc = CRC32C.checksum(fixed, range: 12..<fixed.count)
  for i in 0..<4 { fixed[8 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
  return fixed
}

func checkHint(_ bytes: [UInt8]) {
  guard let hint = SegmentFormat.parseHint(bytes) else { return }
  for entry in hint.entries {
    precondition(Int(entry.offset) + Int(entry.length) <= hint.coveredBytes, "hint entry past the covered bytes")
  }
  precondition(bytes.count == 32 + 24 * hint.entries.count, "hint size")
}

func checkStore(segment: [UInt8], hint: [UInt8]) {
  try? FileManager.default.removeItem(at: scratch)
  try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
  let base = scratch.appendingPathComponent("0000000000000001-00000001-00000001").path
  try? Data(segment).write(to: URL(fileURLWithPath: base + ".seg"))
  if !hint.isEmpty { try? Data(hint).write(to: URL(fileURLWithPath: base + ".hint")) }
  let scan = SegmentFormat.scan(segment)
  for _ in 0..<2 {
    var options = PersistentStore.Options(capacityBytes: 1 << 20)
    options.automaticCompaction = false
    let store = PersistentStore.open(directory: scratch, options: options)
    for record in scan.records {
      guard let header = SegmentFormat.validRecord(segment, at: record.offset) else { continue }
      let key = Array(segment[header.keyRange])
      guard let found = store.vector(for: key) else { continue }
      // The newest record of the key (a later duplicate may win): its values, bit for bit.
      let candidates = scan.records.compactMap { other -> [UInt32]? in
        guard let h = SegmentFormat.validRecord(segment, at: other.offset), Array(segment[h.keyRange]) == key
        else { return nil }
        return (0..<h.count).map { i in
          (0..<4).reduce(UInt32(0)) { $0 | UInt32(segment[h.valueOffset + 4 * i + $1]) << (8 * UInt32($1)) }
        }
      }
      precondition(candidates.contains(found.map(\.bitPattern)), "the store returned a vector no record holds")
    }
    store.close()
  }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStore(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
  guard let mode = bytes.first else { return 0 }
  let rest = Array(bytes.dropFirst())
  if mode & 1 == 0 {
    _ = checkScan(rest)
    checkHint(rest)
    checkHint(fixHintChecksum(rest))
  } else {
    let split = rest.isEmpty ? 0 : min(rest.count, Int(rest[0]) * 16)
    let segment = Array(rest.dropFirst().prefix(max(0, split - 1)))
    let hint = Array(rest.dropFirst(max(1, split)))
    _ = checkScan(segment)
    checkStore(segment: segment, hint: fixHintChecksum(hint))
  }
  return 0
}
