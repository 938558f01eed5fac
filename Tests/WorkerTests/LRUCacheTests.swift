import Testing

@testable import Worker

/// The byte-bounded LRU map: the bound is never exceeded, the least recently used entry goes first, and a
/// lookup refreshes an entry.
@Suite(.timeLimit(.minutes(5))) struct LRUCacheTests {
  @Test func evictsLeastRecentlyUsedWithinTheBound() {
    var cache = LRUCache<String, Int>(capacity: 100)
    #expect(cache.insert(1, for: "a", cost: 40).isEmpty)
    #expect(cache.insert(2, for: "b", cost: 40).isEmpty)
    #expect(cache.value(for: "a") == 1)  // a is now the most recent
    let evicted = cache.insert(3, for: "c", cost: 40)
    #expect(evicted.map(\.key) == ["b"])
    #expect(cache.totalCost == 80)
    #expect(cache.keysByRecency == ["c", "a"])
    #expect(cache.value(for: "b") == nil)
  }

  @Test func evictsSeveralToFitALargeEntry() {
    var cache = LRUCache<Int, Int>(capacity: 10)
    for key in 0..<5 { cache.insert(key, for: key, cost: 2) }
    let evicted = cache.insert(99, for: 99, cost: 7)
    #expect(evicted.map(\.key) == [0, 1, 2, 3])
    #expect(cache.totalCost == 9)
    #expect(cache.keysByRecency == [99, 4])
  }

  @Test func entryLargerThanTheCapacityIsNotStored() {
    var cache = LRUCache<Int, Int>(capacity: 10)
    cache.insert(1, for: 1, cost: 5)
    #expect(cache.insert(2, for: 2, cost: 11).isEmpty)
    #expect(cache.value(for: 2) == nil)
    #expect(cache.keysByRecency == [1])
  }

  @Test func reinsertReplacesAndRemoveFrees() {
    var cache = LRUCache<Int, Int>(capacity: 10)
    cache.insert(1, for: 1, cost: 5)
    cache.insert(2, for: 1, cost: 3)
    #expect(cache.totalCost == 3)
    #expect(cache.value(for: 1) == 2)
    #expect(cache.remove(1) == 3)
    #expect(cache.count == 0 && cache.totalCost == 0)
    cache.insert(5, for: 5, cost: 10)
    #expect(cache.keysByRecency == [5])
  }

  /// A long random workload against a naive model of LRU.
  @Test func matchesANaiveModel() {
    var cache = LRUCache<Int, Int>(capacity: 50)
    var model: [(key: Int, cost: Int)] = []  // most recent last
    var generator = SystemRandomNumberGenerator()
    for step in 0..<5000 {
      let key = Int.random(in: 0..<30, using: &generator)
      if Bool.random(using: &generator) {
        let found = cache.value(for: key)
        if let index = model.firstIndex(where: { $0.key == key }) {
          #expect(found == key)
          model.append(model.remove(at: index))
        } else {
          #expect(found == nil)
        }
      } else {
        let cost = Int.random(in: 1...12, using: &generator)
        cache.insert(key, for: key, cost: cost)
        model.removeAll { $0.key == key }
        while model.map(\.cost).reduce(0, +) + cost > 50 { model.removeFirst() }
        model.append((key, cost))
      }
      #expect(cache.keysByRecency == model.reversed().map(\.key), "step \(step)")
      #expect(cache.totalCost <= 50)
    }
  }
}
