/// A least-recently-used map bounded by a total cost (bytes, for the embedding cache). Entries sit in a
/// doubly linked list threaded through an array of slots, so lookups, insertions and evictions are O(1)
/// without reference-counted nodes.
struct LRUCache<Key: Hashable, Value> {
  private struct Node {
    var key: Key
    var value: Value
    var cost: Int
    var newer: Int?
    var older: Int?
  }

  /// The largest total cost held.
  let capacity: Int
  private(set) var totalCost = 0
  private var slots: [Node?] = []
  private var freeSlots: [Int] = []
  private var slotByKey: [Key: Int] = [:]
  private var newest: Int?
  private var oldest: Int?

  init(capacity: Int) {
    precondition(capacity >= 0, "LRUCache: negative capacity")
    self.capacity = capacity
  }

  var count: Int { slotByKey.count }

  /// The keys from most to least recently used.
  var keysByRecency: [Key] {
    var keys: [Key] = []
    var cursor = newest
    while let slot = cursor, let node = slots[slot] {
      keys.append(node.key)
      cursor = node.older
    }
    return keys
  }

  /// The value for `key`, which becomes the most recently used.
  /// - Complexity: O(1).
  mutating func value(for key: Key) -> Value? {
    guard let slot = slotByKey[key] else { return nil }
    unlink(slot)
    pushNewest(slot)
    return slots[slot]?.value
  }

  /// Stores `value` as the most recently used entry, evicting the least recently used entries until the
  /// total cost fits. An entry costing more than the whole capacity is not stored. Returns the evicted
  /// entries, oldest first.
  /// - Complexity: O(1) amortized, plus O(1) per eviction.
  @discardableResult
  mutating func insert(_ value: Value, for key: Key, cost: Int) -> [(key: Key, cost: Int)] {
    precondition(cost >= 0, "LRUCache: negative cost")
    remove(key)
    guard cost <= capacity else { return [] }
    var evicted: [(key: Key, cost: Int)] = []
    while totalCost + cost > capacity, let slot = oldest, let node = slots[slot] {
      evicted.append((node.key, node.cost))
      remove(node.key)
    }
    let node = Node(key: key, value: value, cost: cost)
    let slot: Int
    if let free = freeSlots.popLast() {
      slot = free
      slots[slot] = node
    } else {
      slot = slots.count
      slots.append(node)
    }
    slotByKey[key] = slot
    totalCost += cost
    pushNewest(slot)
    return evicted
  }

  /// Removes `key` if present; returns its cost.
  @discardableResult
  mutating func remove(_ key: Key) -> Int? {
    guard let slot = slotByKey.removeValue(forKey: key), let node = slots[slot] else { return nil }
    unlink(slot)
    slots[slot] = nil
    freeSlots.append(slot)
    totalCost -= node.cost
    return node.cost
  }

  mutating func removeAll() {
    self = LRUCache(capacity: capacity)
  }

  private mutating func unlink(_ slot: Int) {
    guard let node = slots[slot] else { return }
    if let newer = node.newer { slots[newer]?.older = node.older } else { newest = node.older }
    if let older = node.older { slots[older]?.newer = node.newer } else { oldest = node.newer }
    slots[slot]?.newer = nil
    slots[slot]?.older = nil
  }

  private mutating func pushNewest(_ slot: Int) {
    slots[slot]?.older = newest
    slots[slot]?.newer = nil
    if let previous = newest { slots[previous]?.newer = slot }
    newest = slot
    if oldest == nil { oldest = slot }
  }
}
