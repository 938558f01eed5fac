/// Token ids by the exact UTF-8 bytes of the token: one byte arena and an open-addressing hash table (FNV-1a,
/// linear probing, a 32-bit hash tag in each slot so a probe rarely touches an entry that is not the one). Built
/// for loading a 256,000-token vocabulary fast: no `String` per token, and no Unicode canonical equivalence (with
/// `String` keys Swift would make "ά" U+1F71 and "ά" U+03AC one key).
struct TokenTable: Sendable {
  private struct Entry {
    var start: Int32
    var length: Int32
    var id: Int32
  }

  private var arena: [UInt8] = []
  private var entries: [Entry] = []
  /// Per slot: the hash tag << 32 | entry index + 1; 0 for empty. The count is a power of two, at least twice the
  /// entries.
  private var slots: [UInt64]

  init(capacity: Int = 16) {
    var size = 16
    while size < capacity * 2 { size *= 2 }
    slots = [UInt64](repeating: 0, count: size)
  }

  var count: Int { entries.count }

  private static let seed: UInt64 = 0xCBF2_9CE4_8422_2325

  private static func hash<Bytes: Collection<UInt8>>(_ bytes: Bytes, from seed: UInt64 = seed) -> UInt64 {
    var hash = seed
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    return hash
  }

  /// The high half of a multiplicative mix: the slot (low bits of it) and the tag (the whole 32 bits). The low bits
  /// of FNV-1a alone cluster.
  private static func mix(_ hash: UInt64) -> UInt64 {
    ((hash ^ (hash >> 32)) &* 0x9E37_79B9_7F4A_7C15) >> 32
  }

  /// Whether `bytes` are the entry's bytes from `offset` on (all of the rest when `whole`).
  private func equals<Bytes: Collection<UInt8>>(_ entry: Entry, _ bytes: Bytes, offset: Int = 0, whole: Bool = true)
    -> Bool {
    var position = Int(entry.start) + offset
    let end = Int(entry.start) + Int(entry.length)
    for byte in bytes {
      guard position < end, arena[position] == byte else { return false }
      position += 1
    }
    return !whole || position == end
  }

  /// The entry index whose tag is `tag` and which `matches`, or the empty slot to put it in.
  private func find(_ tag: UInt64, _ matches: (Entry) -> Bool) -> (slot: Int, entry: Int?) {
    let mask = slots.count - 1
    var slot = Int(truncatingIfNeeded: tag) & mask
    while true {
      let value = slots[slot]
      if value == 0 { return (slot, nil) }
      if value >> 32 == tag {
        let index = Int(value & 0xFFFF_FFFF) - 1
        if matches(entries[index]) { return (slot, index) }
      }
      slot = (slot + 1) & mask
    }
  }

  /// Inserts or replaces (the last id given for a token wins, as in a JSON object read into a map).
  mutating func insert<Bytes: Collection<UInt8>>(_ bytes: Bytes, id: Int32) {
    if entries.count * 2 >= slots.count { grow() }
    let tag = Self.mix(Self.hash(bytes))
    let length = bytes.count
    let (slot, existing) = find(tag) { Int($0.length) == length && equals($0, bytes) }
    if let existing {
      entries[existing].id = id
      return
    }
    entries.append(Entry(start: Int32(arena.count), length: Int32(length), id: id))
    arena.append(contentsOf: bytes)
    slots[slot] = tag << 32 | UInt64(entries.count)
  }

  private mutating func grow() {
    slots = [UInt64](repeating: 0, count: slots.count * 2)
    let mask = slots.count - 1
    for (index, entry) in entries.enumerated() {
      let start = Int(entry.start)
      let tag = Self.mix(Self.hash(arena[start..<(start + Int(entry.length))]))
      var slot = Int(truncatingIfNeeded: tag) & mask
      while slots[slot] != 0 { slot = (slot + 1) & mask }
      slots[slot] = tag << 32 | UInt64(index + 1)
    }
  }

  subscript<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Int32? {
    let length = bytes.count
    let found = find(Self.mix(Self.hash(bytes))) { Int($0.length) == length && equals($0, bytes) }
    return found.entry.map { entries[$0].id }
  }

  subscript(_ token: String) -> Int32? { self[token.utf8] }

  /// The id of the token `left + right`, without building it.
  func id<Left: Collection<UInt8>, Right: Collection<UInt8>>(concatenating left: Left, _ right: Right) -> Int32? {
    let leftLength = left.count
    let length = leftLength + right.count
    let found = find(Self.mix(Self.hash(right, from: Self.hash(left)))) {
      Int($0.length) == length && equals($0, left, whole: false) && equals($0, right, offset: leftLength)
    }
    return found.entry.map { entries[$0].id }
  }
}
