import Foundation
import Testing

@testable import PersistentStore

/// Segments written by hand (as a killed or damaged writer leaves them), then opened: damaged records are dropped
/// and counted, never returned; the others serve.
@Suite struct DamageTests {
  static let base = "0000000000000001-00000001-00000001"

  static func records(_ count: Int) -> [[UInt8]] {
    (0..<count).map { (i: Int) -> [UInt8] in
      SegmentFormat.encodeRecord(key: Sample.key(i), values: Sample.vector(i), stamp: PersistentStore.now() + UInt64(i))
    }
  }

  static func write(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
  }

  static func hint(for records: [[UInt8]]) -> [UInt8] {
    var offset = 0
    let entries = records.enumerated().map { (i: Int, record: [UInt8]) -> SegmentFormat.HintEntry in
      defer { offset += record.count }
      return SegmentFormat.HintEntry(
        digest: KeyDigest.of(Sample.key(i)), stamp: record.uint64(at: 16), offset: UInt32(offset),
        length: UInt32(record.count))
    }
    return SegmentFormat.encodeHint(entries, coveredBytes: records.reduce(0) { $0 + $1.count })
  }

  @Test func tornTailAtEveryByteOfTheLastRecordIsDropped() throws {
    let records = Self.records(4)
    let whole = records.flatMap { $0 }
    let lastStart = whole.count - records[3].count
    for cut in lastStart...whole.count {
      let directory = try TemporaryDirectory()
      defer { directory.remove() }
      try Self.write(Array(whole[0..<cut]), to: directory.path + "/\(Self.base).seg")
      let store = PersistentStore.open(directory: directory.url, options: .testing())
      for i in 0..<3 { #expect(store.vector(for: Sample.key(i)) == Sample.vector(i), "cut \(cut)") }
      #expect(store.vector(for: Sample.key(3)) == (cut == whole.count ? Sample.vector(3) : nil), "cut \(cut)")
      let statistics = store.statistics()
      #expect(statistics.tornTails == (cut > lastStart && cut < whole.count ? 1 : 0), "cut \(cut)")
      #expect(statistics.damagedRecords == 0, "cut \(cut)")
      store.close()
      // The opener cut the tail and sealed the segment: the next open reads the hint and finds no damage.
      #expect(try directory.files(".hint").count == directory.files(".seg").count)
      let reopened = PersistentStore.open(directory: directory.url, options: .testing())
      #expect(reopened.statistics().entries == (cut == whole.count ? 4 : 3), "cut \(cut)")
      #expect(reopened.statistics().tornTails == 0)
      #expect(reopened.statistics().damagedHints == 0)
    }
  }

  /// Every byte of the middle record (magic, checksum, length, key length, reserved, stamp, count, key, value),
  /// with the segment scanned (no hint) and read through a valid hint.
  @Test(arguments: [false, true]) func aBitFlipAnywhereInARecordDropsOnlyThatRecord(withHint: Bool) throws {
    let records = Self.records(3)
    let whole = records.flatMap { $0 }
    for position in records[0].count..<records[0].count + records[1].count {
      for bit in [0, 5] {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var damaged = whole
        damaged[position] ^= 1 << bit
        try Self.write(damaged, to: directory.path + "/\(Self.base).seg")
        if withHint { try Self.write(Self.hint(for: records), to: directory.path + "/\(Self.base).hint") }
        let store = PersistentStore.open(directory: directory.url, options: .testing())
        #expect(store.vector(for: Sample.key(1)) == nil, "byte \(position) bit \(bit)")
        #expect(store.vector(for: Sample.key(0)) == Sample.vector(0), "byte \(position) bit \(bit)")
        #expect(store.vector(for: Sample.key(2)) == Sample.vector(2), "byte \(position) bit \(bit)")
        #expect(store.statistics().damagedRecords == 1, "byte \(position) bit \(bit)")
        #expect(store.vector(for: Sample.key(1)) == nil)
        #expect(store.statistics().damagedRecords == 1, "counted once")
      }
    }
  }

  @Test func aDamagedHintFallsBackToScanning() throws {
    let records = Self.records(3)
    let hint = Self.hint(for: records)
    for position in hint.indices {
      let directory = try TemporaryDirectory()
      defer { directory.remove() }
      try Self.write(records.flatMap { $0 }, to: directory.path + "/\(Self.base).seg")
      var damaged = hint
      damaged[position] ^= 0x40
      try Self.write(damaged, to: directory.path + "/\(Self.base).hint")
      let log = LogRecorder()
      let store = PersistentStore.open(directory: directory.url, options: .testing(), log: log.sink)
      for i in 0..<3 { #expect(store.vector(for: Sample.key(i)) == Sample.vector(i), "hint byte \(position)") }
      #expect(store.statistics().damagedHints == 1, "hint byte \(position)")
      #expect(log.all.count == 1)
    }
  }

  @Test func truncationAnywhereKeepsTheRecordsBeforeIt() throws {
    let records = Self.records(5)
    let whole = records.flatMap { $0 }
    for cut in stride(from: 0, through: whole.count, by: 7) {
      let directory = try TemporaryDirectory()
      defer { directory.remove() }
      // A sealed segment truncated after its hint was written: the hint no longer fits, the segment is scanned.
      try Self.write(Array(whole[0..<cut]), to: directory.path + "/\(Self.base).seg")
      try Self.write(Self.hint(for: records), to: directory.path + "/\(Self.base).hint")
      let store = PersistentStore.open(directory: directory.url, options: .testing())
      var end = 0
      for (i, record) in records.enumerated() {
        end += record.count
        #expect(store.vector(for: Sample.key(i)) == (end <= cut ? Sample.vector(i) : nil), "cut \(cut) record \(i)")
      }
      #expect(store.statistics().damagedHints == (cut == whole.count ? 0 : 1))
    }
  }

  @Test func garbageFilesNeverStopTheStoreFromOpening() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    var generator = SystemRandomNumberGenerator()
    let garbage = (0..<10_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
    try Self.write(garbage, to: directory.path + "/\(Self.base).seg")
    try Self.write(Array(garbage[0..<500]), to: directory.path + "/\(Self.base).hint")
    try Self.write(Array(garbage[0..<12]), to: directory.path + "/cleared")
    let log = LogRecorder()
    let store = PersistentStore.open(directory: directory.url, options: .testing(), log: log.sink)
    #expect(store.statistics().entries == 0)
    #expect(!log.all.isEmpty)
    store.insert(Sample.vector(1), for: Sample.key(1))
    #expect(store.vector(for: Sample.key(1)) == Sample.vector(1))
  }
}
