import Testing

@testable import PersistentStore

@Suite struct FormatTests {
  @Test func crc32cMatchesTheCheckValue() {
    #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    #expect(CRC32C.checksum([]) == 0)
    // The eight-byte loop and the byte loop agree at every split.
    let bytes = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    var bitwise: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
      bitwise ^= UInt32(byte)
      for _ in 0..<8 { bitwise = bitwise & 1 == 1 ? (bitwise >> 1) ^ 0x82F6_3B78 : bitwise >> 1 }
    }
    #expect(CRC32C.checksum(bytes) == ~bitwise)
  }

  @Test func recordRoundTripsAndStatesItsLayout() throws {
    let key = Array("model\u{0}text\u{0}a cat".utf8)
    let values: [Float] = [1, -2.5, 0, .infinity]
    let record = SegmentFormat.encodeRecord(key: key, values: values, stamp: 0x0102_0304_0506_0708)
    #expect(record.count == 32 + key.count + 16)
    #expect(Array(record[0..<4]) == [0x89, 0x43, 0x57, 0x52])
    #expect(record.uint32(at: 8) == UInt32(record.count))
    #expect(record.uint16(at: 12) == UInt16(key.count))
    #expect(record.uint64(at: 16) == 0x0102_0304_0506_0708)
    #expect(record.uint32(at: 24) == 4)
    #expect(record.uint32(at: 4) == CRC32C.checksum(record, range: 8..<record.count))
    let header = try #require(SegmentFormat.validRecord(record, at: 0))
    #expect(Array(record[header.keyRange]) == key)
    #expect(record.floats(at: header.valueOffset, count: header.count) == values)
  }

  @Test func scanFindsRecordsAndSkipsDamage() {
    let records = (0..<5).map { (i: Int) -> [UInt8] in
      SegmentFormat.encodeRecord(key: Sample.key(i), values: Sample.vector(i), stamp: UInt64(i + 1))
    }
    var bytes = records.flatMap { $0 }
    #expect(SegmentFormat.scan(bytes).records.count == 5)
    #expect(SegmentFormat.scan(bytes).tornTail == false)
    // A flipped bit in the second record's length field: that record goes, the others stay.
    bytes[records[0].count + 9] ^= 0x10
    let scan = SegmentFormat.scan(bytes)
    #expect(scan.records.map(\.stamp) == [1, 3, 4, 5])
    #expect(scan.damagedRegions == 1)
    #expect(scan.tornTail == false)
    let expected: [UInt64] = [0, 2, 3, 4].map { (i: Int) -> UInt64 in KeyDigest.of(Sample.key(i)) }
    #expect(scan.records.map(\.digest) == expected)
  }

  @Test func hintRoundTripsAndRejectsDamage() throws {
    let entries = (0..<3).map { (i: Int) -> SegmentFormat.HintEntry in
      SegmentFormat.HintEntry(digest: UInt64(i + 1), stamp: UInt64(i * 10), offset: UInt32(i * 100), length: 60)
    }
    let bytes = SegmentFormat.encodeHint(entries, coveredBytes: 300)
    let parsed = try #require(SegmentFormat.parseHint(bytes))
    #expect(parsed.coveredBytes == 300)
    #expect(parsed.entries == entries)
    for i in bytes.indices {
      var damaged = bytes
      damaged[i] ^= 0x04
      #expect(SegmentFormat.parseHint(damaged) == nil, "byte \(i)")
    }
    #expect(SegmentFormat.parseHint(Array(bytes.dropLast())) == nil)
    // An entry past the covered bytes is refused even with a correct checksum.
    #expect(SegmentFormat.parseHint(SegmentFormat.encodeHint(entries, coveredBytes: 250)) == nil)
  }

  @Test func indexTableMatchesADictionary() {
    var table = IndexTable()
    var model: [UInt64: UInt32] = [:]
    var generator = SystemRandomNumberGenerator()
    for step in 0..<20_000 {
      // Few distinct digests, so that probe runs collide and deletions shift them.
      let digest = UInt64.random(in: 1...3000, using: &generator) &* 0x1_0000_0001
      if step % 3 == 0, let position = table.find(digest) {
        table.remove(at: position)
        model[digest] = nil
      } else {
        table.upsert(IndexSlot(digest: digest, offset: UInt32(step), length: 40, recency: 0, segment: 0, flags: 0))
        model[digest] = UInt32(step)
      }
    }
    #expect(table.count == model.count)
    for (digest, offset) in model { #expect(table.find(digest).map { table[$0].offset } == offset) }
    #expect(MemoryLayout<IndexSlot>.stride == 24)
  }
}
