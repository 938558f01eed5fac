import Foundation
import Testing

@testable import Worker

/// The embedding cache: hits and misses, the byte bound and evictions, single flight, failures not cached.
struct EmbeddingStoreTests {
  private func key(_ text: String) -> CacheKey { .text(text, model: "m") }

  @Test func missThenHit() async throws {
    let store = EmbeddingStore(capacityBytes: 1000)
    let first = try await store.embedding(for: key("a")) { [1, 2] }
    let second = try await store.embedding(for: key("a")) { [9, 9] }
    #expect(first.vector == [1, 2] && !first.cached)
    #expect(second.vector == [1, 2] && second.cached)
    let statistics = store.statistics()
    #expect(statistics.text.hits == 1 && statistics.text.misses == 1 && statistics.text.entries == 1)
    #expect(statistics.text.bytes == 4 * 2 + 1)
    #expect(statistics.total.hitRate == 0.5)
    #expect(statistics.image == CacheStatistics.Counters())
  }

  @Test func boundInBytesIsRespected() async throws {
    // Each entry costs 4 × 4 + 1 = 17 bytes: two fit in 40, three do not.
    let store = EmbeddingStore(capacityBytes: 40)
    for text in ["a", "b", "c"] { _ = try await store.embedding(for: key(text)) { [1, 2, 3, 4] } }
    let statistics = store.statistics()
    #expect(statistics.text.entries == 2 && statistics.text.bytes == 34 && statistics.text.evictions == 1)
    #expect(store.keysByRecency() == [key("c"), key("b")])
    #expect(try await !store.embedding(for: key("a")) { [1, 2, 3, 4] }.cached)
  }

  @Test func modelAndKindArePartOfTheKey() async throws {
    let store = EmbeddingStore(capacityBytes: 1000)
    _ = try await store.embedding(for: .text("a", model: "m1")) { [1] }
    #expect(try await !store.embedding(for: .text("a", model: "m2")) { [2] }.cached)
    #expect(try await !store.embedding(for: CacheKey(model: "m1", kind: .image, content: "a")) { [3] }.cached)
    #expect(store.statistics().total.entries == 3)
  }

  @Test func concurrentLookupsComputeOnce() async throws {
    let store = EmbeddingStore(capacityBytes: 1000)
    let computations = Locked(0)
    let results = try await withThrowingTaskGroup(of: (vector: [Float], cached: Bool).self) { group in
      for _ in 0..<20 {
        group.addTask {
          try await store.embedding(for: self.key("x")) {
            computations.withLock { $0 += 1 }
            try await Task.sleep(nanoseconds: 50_000_000)
            return [4, 2]
          }
        }
      }
      return try await group.reduce(into: []) { $0.append($1) }
    }
    #expect(computations.withLock { $0 } == 1)
    #expect(results.allSatisfy { $0.vector == [4, 2] })
    #expect(results.filter { !$0.cached }.count == 1)
    #expect(store.statistics().text.misses == 1 && store.statistics().text.hits == 19)
  }

  @Test func failuresAreNotCached() async throws {
    struct Failure: Error, Equatable {}
    let store = EmbeddingStore(capacityBytes: 1000)
    await #expect(throws: Failure()) { try await store.embedding(for: key("a")) { throw Failure() } }
    #expect(store.statistics().text.entries == 0)
    #expect(try await store.embedding(for: key("a")) { [1] }.vector == [1])
  }

  @Test func clearEmptiesButKeepsCounters() async throws {
    let store = EmbeddingStore(capacityBytes: 1000)
    _ = try await store.embedding(for: key("a")) { [1] }
    _ = try await store.embedding(for: key("a")) { [1] }
    store.clear()
    let statistics = store.statistics()
    #expect(statistics.text.entries == 0 && statistics.text.bytes == 0)
    #expect(statistics.text.hits == 1 && statistics.text.misses == 1)
    #expect(try await !store.embedding(for: key("a")) { [1] }.cached)
  }

  @Test func zeroCapacityStoresNothing() async throws {
    let store = EmbeddingStore(capacityBytes: 0)
    _ = try await store.embedding(for: key("a")) { [1] }
    #expect(try await !store.embedding(for: key("a")) { [1] }.cached)
    #expect(store.statistics().text.entries == 0)
  }

  @Test func statisticsJSON() {
    var statistics = CacheStatistics(capacityBytes: 100)
    statistics.image.hits = 3
    statistics.image.misses = 1
    statistics.text.entries = 2
    #expect(
      statistics.json.description == """
        {"entries":2,"bytes":0,"capacityBytes":100,"hits":3,"misses":1,"evictions":0,"hitRate":0.75,\
        "image":{"entries":0,"bytes":0,"hits":3,"misses":1,"evictions":0,"hitRate":0.75},\
        "text":{"entries":2,"bytes":0,"hits":0,"misses":0,"evictions":0,"hitRate":0.0}}
        """)
  }
}
