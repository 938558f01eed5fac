import Foundation
import Testing

@testable import PersistentStore

@Suite struct StoreTests {
  @Test func roundTripsAndCountsHitsAndMisses() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let store = PersistentStore.open(directory: directory.url, options: .testing())
    for i in 0..<100 { store.insert(Sample.vector(i), for: Sample.key(i)) }
    for i in 0..<100 { #expect(store.vector(for: Sample.key(i)) == Sample.vector(i)) }
    #expect(store.vector(for: Sample.key(100)) == nil)
    let statistics = store.statistics()
    #expect(statistics.entries == 100)
    #expect(statistics.hits == 100)
    #expect(statistics.misses == 1)
    #expect(statistics.bytes == (0..<100).reduce(0) { $0 + 32 + Sample.key($1).count + 32 })
    #expect(statistics.errors == 0)
    #expect(statistics.segments > 1, "4 KiB segments: 100 records fill several")
  }

  @Test func reopenFindsEverythingAndTheNewestValue() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    do {
      let store = PersistentStore.open(directory: directory.url, options: .testing())
      for i in 0..<200 { store.insert(Sample.vector(i), for: Sample.key(i)) }
      store.insert([42], for: Sample.key(7))
      store.close()
    }
    #expect(try directory.files(".seg").count == directory.files(".hint").count, "close seals every segment")
    let store = PersistentStore.open(directory: directory.url, options: .testing())
    #expect(store.statistics().entries == 200)
    for i in 0..<200 where i != 7 { #expect(store.vector(for: Sample.key(i)) == Sample.vector(i)) }
    #expect(store.vector(for: Sample.key(7)) == [42])
    #expect(store.statistics().errors == 0)
  }

  @Test func reopenWithoutCloseScansTheUnsealedSegment() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let writer = PersistentStore.open(directory: directory.url, options: .testing(segmentBytes: 1 << 20))
    for i in 0..<50 { writer.insert(Sample.vector(i), for: Sample.key(i)) }
    // A second process's view while the first still writes (same process here: the flock is per descriptor).
    let reader = PersistentStore.open(directory: directory.url, options: .testing())
    for i in 0..<50 { #expect(reader.vector(for: Sample.key(i)) == Sample.vector(i)) }
    #expect(try directory.files(".hint").isEmpty, "a segment whose writer lives is not sealed by a reader")
    writer.close()
    reader.close()
  }

  @Test func evictsTheLeastRecentlyUsedPastTheBound() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let record = 32 + Sample.key(10).count + 32  // keys k10...k99: 3 bytes
    let store = PersistentStore.open(directory: directory.url, options: .testing(capacity: 50 * record))
    for i in 10..<60 { store.insert(Sample.vector(i), for: Sample.key(i)) }
    #expect(store.statistics().evictions == 0)
    #expect(store.vector(for: Sample.key(10)) != nil)  // k10 is now the most recently used
    store.insert(Sample.vector(60), for: Sample.key(60))
    let statistics = store.statistics()
    #expect(statistics.bytes <= 45 * record)
    #expect(statistics.evictions == 6, "down to 90%: the 6 least recently used go")
    #expect(store.vector(for: Sample.key(10)) == Sample.vector(10))
    #expect(store.vector(for: Sample.key(60)) == Sample.vector(60))
    for i in 11..<17 { #expect(store.vector(for: Sample.key(i)) == nil, "k\(i)") }
    for i in 17..<60 { #expect(store.vector(for: Sample.key(i)) == Sample.vector(i), "k\(i)") }
  }

  @Test func recencySurvivesReopen() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let record = 32 + Sample.key(10).count + 32
    do {
      let store = PersistentStore.open(directory: directory.url, options: .testing(capacity: 50 * record))
      for i in 10..<60 { store.insert(Sample.vector(i), for: Sample.key(i)) }
      store.close()
    }
    do {
      // Used in a later process: its record is rewritten with a new stamp.
      usleep(200_000)  // beyond the 0.15 s resolution of stamps mapped at open
      let store = PersistentStore.open(directory: directory.url, options: .testing(capacity: 50 * record))
      #expect(store.vector(for: Sample.key(10)) == Sample.vector(10))
      store.close()
    }
    let store = PersistentStore.open(directory: directory.url, options: .testing(capacity: 50 * record))
    #expect(store.statistics().entries == 50)
    store.insert(Sample.vector(60), for: Sample.key(60))
    #expect(store.statistics().evictions == 6)
    #expect(store.vector(for: Sample.key(10)) == Sample.vector(10))
    // k11...k59 were written within one 0.15 s step of the mapped stamps: which 6 of them went is arbitrary.
    #expect((11..<60).filter { store.vector(for: Sample.key($0)) == nil }.count == 6)
  }

  @Test func compactionKeepsLiveRecordsAndReclaimsSpace() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let store = PersistentStore.open(directory: directory.url, options: .testing())
    for round in 0..<5 {
      for i in 0..<100 { store.insert(Sample.vector(i + round), for: Sample.key(i)) }
    }
    let before = store.statistics()
    #expect(before.diskBytes >= 5 * before.bytes)
    #expect(store.compact())
    let after = store.statistics()
    #expect(after.compactions == 1)
    #expect(after.entries == 100)
    #expect(after.diskBytes == after.bytes, "only live records are left")
    for i in 0..<100 { #expect(store.vector(for: Sample.key(i)) == Sample.vector(i + 4)) }
    store.close()
    let reopened = PersistentStore.open(directory: directory.url, options: .testing())
    #expect(reopened.statistics().diskBytes == after.bytes)
    for i in 0..<100 { #expect(reopened.vector(for: Sample.key(i)) == Sample.vector(i + 4)) }
    #expect(reopened.statistics().errors == 0)
  }

  @Test func backgroundCompactionRunsWhileReadersRead() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    var options = PersistentStore.Options.testing()
    options.automaticCompaction = true
    let store = PersistentStore.open(directory: directory.url, options: options)
    for round in 0..<40 {
      for i in 0..<100 {
        store.insert(Sample.vector(i), for: Sample.key(i))
        if round > 0 {
          #expect(store.vector(for: Sample.key((i * 7 + round) % 100)) == Sample.vector((i * 7 + round) % 100))
        }
      }
    }
    let deadline = Date().addingTimeInterval(10)
    while store.statistics().compactions == 0 && Date() < deadline { usleep(10_000) }
    #expect(store.statistics().compactions > 0)
    for i in 0..<100 { #expect(store.vector(for: Sample.key(i)) == Sample.vector(i)) }
    #expect(store.statistics().errors == 0)
  }

  @Test func clearEmptiesAndStaysEmptyAfterReopen() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let other = PersistentStore.open(directory: directory.url, options: .testing(segmentBytes: 1 << 20))
    other.insert(Sample.vector(1), for: Sample.key(1))  // another writer's unsealed segment
    let store = PersistentStore.open(directory: directory.url, options: .testing())
    for i in 0..<50 { store.insert(Sample.vector(i), for: Sample.key(i)) }
    store.clear()
    #expect(store.statistics().entries == 0)
    #expect(store.statistics().bytes == 0)
    #expect(store.vector(for: Sample.key(3)) == nil)
    store.insert(Sample.vector(99), for: Sample.key(99))
    other.close()
    store.close()
    let reopened = PersistentStore.open(directory: directory.url, options: .testing())
    #expect(reopened.vector(for: Sample.key(1)) == nil, "written before the clear by another writer")
    #expect(reopened.vector(for: Sample.key(3)) == nil)
    #expect(reopened.vector(for: Sample.key(99)) == Sample.vector(99))
    #expect(reopened.statistics().entries == 1)
  }

  @Test func concurrentThreadsReadAndWrite() async throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    var options = PersistentStore.Options.testing()
    options.automaticCompaction = true
    let store = PersistentStore.open(directory: directory.url, options: options)
    await withTaskGroup(of: Void.self) { group in
      for thread in 0..<4 {
        group.addTask {
          for i in 0..<500 {
            let k = (i * (thread + 1)) % 300
            store.insert(Sample.vector(k), for: Sample.key(k))
            if let found = store.vector(for: Sample.key((k + 17) % 300)) { #expect(found == Sample.vector((k + 17) % 300)) }
          }
        }
      }
    }
    for k in 0..<300 where store.vector(for: Sample.key(k)) != nil {
      #expect(store.vector(for: Sample.key(k)) == Sample.vector(k))
    }
    #expect(store.statistics().errors == 0)
  }
}
