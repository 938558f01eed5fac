import Foundation
import Testing
@testable import Worker

/// The collection file format (`CollectionFile`) and the store's refusals: what is written reads back exactly, any
/// damaged byte is refused by the checksum, a truncated or foreign file is refused, names are checked.
@Suite struct CollectionFileTests {
  private func sample() -> EmbeddingCollection {
    EmbeddingCollection(
      identity: "model#fingerprint#0.2.0#x86_64", model: "model", dimension: 3, updated: 1_765_000_000.25,
      entries: [
        "/photos/b.jpg": .init(
          sha256: String(repeating: "ab", count: 32), size: 1234, modified: 17.5, vector: [1, 0, 0], inode: 77,
          changed: 18.25),
        "/photos/a.png": .init(
          sha256: String(repeating: "0f", count: 32), size: 99, modified: 3, vector: [0, 0.6, 0.8]),
      ])
  }

  @Test func roundTripsExactly() throws {
    let bytes = CollectionFile.encode(sample())
    #expect(try CollectionFile.decode(bytes) == sample())
    #expect(CollectionFile.encode(try CollectionFile.decode(bytes)) == bytes)
  }

  @Test func readsVersion1FilesWithoutStamps() throws {
    // Version 001: the same layout without inode and ctime; its entries read with both 0 (never trusted).
    var old = sample()
    for path in old.entries.keys {
      old.entries[path]?.inode = 0
      old.entries[path]?.changed = 0
    }
    var bytes = CollectionFile.encode(old)
    bytes.removeLast(32)
    bytes.replaceSubrange(0..<8, with: Array("CWCOL001".utf8))
    // Each entry's 16 bytes of inode and ctime (both 0) follow its 8-byte modification time; remove them, last first.
    var offsets: [Int] = []
    var offset = 8
    func skipString() {
      let count = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
      offset += 4 + count
    }
    skipString()
    skipString()
    offset += 4 + 8 + 8
    for _ in 0..<old.entries.count {
      skipString()
      offset += 32 + 8 + 8
      offsets.append(offset)
      offset += 16 + 4 * old.dimension
    }
    for start in offsets.reversed() { bytes.removeSubrange(start..<start + 16) }
    bytes += SHA256.hash(bytes)
    #expect(try CollectionFile.decode(bytes) == old)
  }

  @Test func refusesDamageTruncationAndForeignFiles() throws {
    let bytes = CollectionFile.encode(sample())
    for offset in stride(from: 8, to: bytes.count, by: 7) {
      var damaged = bytes
      damaged[offset] ^= 0x40
      #expect(throws: CollectionFile.DecodeError.badChecksum) { try CollectionFile.decode(damaged) }
    }
    #expect(throws: CollectionFile.DecodeError.badChecksum) { try CollectionFile.decode(Array(bytes.dropLast(5))) }
    #expect(throws: CollectionFile.DecodeError.truncated) { try CollectionFile.decode(Array(bytes.prefix(20))) }
    #expect(throws: CollectionFile.DecodeError.badMagic) { try CollectionFile.decode([UInt8](repeating: 0, count: 64)) }
  }

  @Test func theStoreRefusesDamagedFilesAndBadNames() throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("clip-worker-collection-file-\(UInt32.random(in: 0...UInt32.max))")
    defer { try? FileManager.default.removeItem(at: directory) }
    let store = CollectionStore(directory: directory.path)
    try store.save(sample(), as: "pics")
    #expect(try store.collection("pics") == sample())
    #expect(store.names() == ["pics"])
    let path = directory.appendingPathComponent("pics.col")
    var bytes = [UInt8](try Data(contentsOf: path))
    bytes[40] ^= 1
    try Data(bytes).write(to: path)
    #expect(throws: CollectionError.damaged("pics", "checksum mismatch (the file is damaged)")) {
      try store.collection("pics")
    }
    for name in ["", "../x", "a/b", ".hidden", String(repeating: "x", count: 101), "ça"] {
      #expect(throws: CollectionError.self) { try store.collection(name) }
    }
    #expect(try store.drop("pics"))
    #expect(try !store.drop("pics"))
    #expect(try store.collection("pics") == nil)
  }
}
