import Foundation
import Testing

@testable import Worker

/// The embedding cache: hits and misses, the byte bound and evictions, single flight, failures not cached.
@Suite(.timeLimit(.minutes(5))) struct EmbeddingCacheTests {
  private func key(_ text: String) -> CacheKey { .text(text, model: "m") }

  @Test func missThenHit() async throws {
    let store = EmbeddingCache(capacityBytes: 1000)
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
    let store = EmbeddingCache(capacityBytes: 40)
    for text in ["a", "b", "c"] { _ = try await store.embedding(for: key(text)) { [1, 2, 3, 4] } }
    let statistics = store.statistics()
    #expect(statistics.text.entries == 2 && statistics.text.bytes == 34 && statistics.text.evictions == 1)
    #expect(store.keysByRecency() == [key("c"), key("b")])
    #expect(try await !store.embedding(for: key("a")) { [1, 2, 3, 4] }.cached)
  }

  @Test func modelAndKindArePartOfTheKey() async throws {
    let store = EmbeddingCache(capacityBytes: 1000)
    _ = try await store.embedding(for: .text("a", model: "m1")) { [1] }
    #expect(try await !store.embedding(for: .text("a", model: "m2")) { [2] }.cached)
    #expect(try await !store.embedding(for: CacheKey(model: "m1", kind: .image, content: "a")) { [3] }.cached)
    #expect(store.statistics().total.entries == 3)
  }

  @Test func concurrentLookupsComputeOnce() async throws {
    let store = EmbeddingCache(capacityBytes: 1000)
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

  /// A batched lookup computes its misses in one call; while it runs, a lookup of one of them joins it.
  @Test func batchedMissesAreComputedOnceAndJoined() async throws {
    let store = EmbeddingCache(capacityBytes: 1000)
    _ = try await store.embedding(for: key("a")) { [1] }
    let calls = Locked<[[Int]]>([])
    let gate = Locked<CheckedContinuation<Void, Never>?>(nil)
    let batch = Task {
      await store.embeddings(for: [key("a"), key("b"), key("c"), key("b")]) { indices in
        calls.withLock { $0.append(indices) }
        await withCheckedContinuation { continuation in gate.withLock { $0 = continuation } }
        return indices.map { .success([Float($0 + 10)]) }
      }
    }
    try await waitUntil("not (gate.withLock({ $0 == nil }))") { !(gate.withLock({ $0 == nil })) }
    let joiner = Task { try await store.embedding(for: key("c")) { [99] } }
    try await waitUntil("not (store.statistics().text.hits < 3)") { !(store.statistics().text.hits < 3) }
    gate.withLock { $0 }?.resume()
    let results = try await batch.value.map { try $0.get() }
    #expect(results.map(\.vector) == [[1], [11], [12], [11]])
    #expect(results.map(\.cached) == [true, false, false, true])
    #expect(calls.withLock { $0 } == [[1, 2]])
    let joined = try await joiner.value
    #expect(joined.vector == [12] && joined.cached)
    #expect(store.statistics().text.entries == 3 && store.statistics().text.misses == 3)
  }

  /// A failed result of a batch fails that key only; it is not stored, the others are.
  @Test func batchedFailuresAreNotCached() async throws {
    struct Failure: Error, Equatable {}
    let store = EmbeddingCache(capacityBytes: 1000)
    let results = await store.embeddings(for: [key("a"), key("b")]) { indices in
      indices.map { $0 == 0 ? .failure(Failure()) : .success([2]) }
    }
    #expect(throws: Failure()) { try results[0].get() }
    #expect(try results[1].get().vector == [2])
    #expect(store.keysByRecency() == [key("b")])
  }

  @Test func failuresAreNotCached() async throws {
    struct Failure: Error, Equatable {}
    let store = EmbeddingCache(capacityBytes: 1000)
    await #expect(throws: Failure()) { try await store.embedding(for: key("a")) { throw Failure() } }
    #expect(store.statistics().text.entries == 0)
    #expect(try await store.embedding(for: key("a")) { [1] }.vector == [1])
  }

  @Test func clearEmptiesButKeepsCounters() async throws {
    let store = EmbeddingCache(capacityBytes: 1000)
    _ = try await store.embedding(for: key("a")) { [1] }
    _ = try await store.embedding(for: key("a")) { [1] }
    store.clear()
    let statistics = store.statistics()
    #expect(statistics.text.entries == 0 && statistics.text.bytes == 0)
    #expect(statistics.text.hits == 1 && statistics.text.misses == 1)
    #expect(try await !store.embedding(for: key("a")) { [1] }.cached)
  }

  @Test func zeroCapacityStoresNothing() async throws {
    let store = EmbeddingCache(capacityBytes: 0)
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
