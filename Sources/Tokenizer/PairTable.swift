/// A map from a token pair (`left << 32 | right`) to a merge (`rank << 32 | result`): open addressing with linear
/// probing, a multiplicative hash, and each key beside its value so a probe costs one cache miss. Filling it with
/// the ~500,000 merges of a Gemma vocabulary is memory-bound; `Dictionary` took about twice as long.
struct PairTable: Sendable {
  /// Per slot: the key, then the merge with bit 63 set (0 for an empty slot).
  private var slots: [UInt64]
  private let mask: Int
  private static let occupied: UInt64 = 1 << 63

  init(capacity: Int) {
    var size = 16
    while size < capacity * 2 { size *= 2 }
    slots = [UInt64](repeating: 0, count: 2 * size)
    mask = size - 1
  }

  private func start(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask }

  /// Sets the merge of a pair (a repeated pair keeps the last one, as the reference's hash map does). `merge`
  /// must be below 2^63; at most `capacity` pairs.
  mutating func set(_ key: UInt64, _ merge: UInt64) {
    var slot = start(key)
    while slots[2 * slot + 1] != 0 && slots[2 * slot] != key { slot = (slot + 1) & mask }
    slots[2 * slot] = key
    slots[2 * slot + 1] = merge | Self.occupied
  }

  subscript(_ key: UInt64) -> UInt64? {
    var slot = start(key)
    while slots[2 * slot + 1] != 0 {
      if slots[2 * slot] == key { return slots[2 * slot + 1] & ~Self.occupied }
      slot = (slot + 1) & mask
    }
    return nil
  }
}
