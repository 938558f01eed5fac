/// Where the newest record of one key is, and how recently the key was used: 24 bytes.
struct IndexSlot {
  /// `KeyDigest` of the key; 0 marks an empty slot.
  var digest: UInt64 = 0
  var offset: UInt32 = 0
  var length: UInt32 = 0
  /// The last-use clock (see `PersistentStore` for how it relates to the stamps on disk).
  var recency: UInt32 = 0
  /// The segment's slot in the store's segment table.
  var segment: UInt16 = 0
  /// `IndexSlot.persisted`: the record's stamp already reflects a use in this process.
  var flags: UInt8 = 0

  static let persisted: UInt8 = 1
}

/// The in-memory index: an open-addressing hash table of `IndexSlot`s keyed by digest, linear probing,
/// Fibonacci hashing of the digest to a home slot, backward-shift deletion (no tombstones), a power-of-two size
/// kept at most 3/4 full: 24 bytes per slot, 32 to 64 bytes per entry.
struct IndexTable {
  private(set) var slots: [IndexSlot]
  private(set) var count = 0
  private var shift: UInt64
  private var mask: Int { slots.count - 1 }

  /// A table that holds `minimumCapacity` entries without growing.
  init(minimumCapacity: Int = 0) {
    var size = 16
    while size * 3 / 4 < minimumCapacity { size *= 2 }
    slots = [IndexSlot](repeating: IndexSlot(), count: size)
    shift = UInt64(64 - size.trailingZeroBitCount)
  }

  /// The memory the slots take.
  var bytes: Int { slots.count * MemoryLayout<IndexSlot>.stride }

  @inline(__always) private func home(_ digest: UInt64) -> Int {
    Int(truncatingIfNeeded: (digest &* 0x9E37_79B9_7F4A_7C15) >> shift)
  }

  /// The position of `digest`'s slot, or nil.
  func find(_ digest: UInt64) -> Int? {
    var i = home(digest)
    while true {
      let found = slots[i].digest
      if found == digest { return i }
      if found == 0 { return nil }
      i = (i + 1) & mask
    }
  }

  subscript(position: Int) -> IndexSlot {
    get { slots[position] }
    set {
      precondition(newValue.digest == slots[position].digest, "IndexTable: a slot's digest cannot change")
      slots[position] = newValue
    }
  }

  /// Stores `slot` under its digest, replacing the slot there; returns the replaced slot.
  @discardableResult
  mutating func upsert(_ slot: IndexSlot) -> IndexSlot? {
    precondition(slot.digest != 0, "IndexTable: digest 0 is reserved")
    if (count + 1) * 4 > slots.count * 3 { grow() }
    var i = home(slot.digest)
    while true {
      let found = slots[i].digest
      if found == slot.digest {
        let old = slots[i]
        slots[i] = slot
        return old
      }
      if found == 0 {
        slots[i] = slot
        count += 1
        return nil
      }
      i = (i + 1) & mask
    }
  }

  /// The top `bits` bits of `digest`'s home slot: entries inserted in this order touch the table front to back.
  func homeRegion(_ digest: UInt64, bits: Int) -> Int {
    Int(truncatingIfNeeded: (digest &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - bits))
  }

  /// Stores `slot` unless the slot of its digest is more recent (the loading rule: of equally recent records the
  /// later one wins). One probe. Returns whether it was stored, and the slot it replaced.
  mutating func upsertUnlessNewer(_ slot: IndexSlot) -> (stored: Bool, replaced: IndexSlot?) {
    precondition(slot.digest != 0, "IndexTable: digest 0 is reserved")
    if (count + 1) * 4 > slots.count * 3 { grow() }
    var i = home(slot.digest)
    while true {
      let found = slots[i].digest
      if found == slot.digest {
        let old = slots[i]
        if old.recency > slot.recency { return (false, nil) }
        slots[i] = slot
        return (true, old)
      }
      if found == 0 {
        slots[i] = slot
        count += 1
        return (true, nil)
      }
      i = (i + 1) & mask
    }
  }

  /// Empties the slot at `position`, moving later slots of its probe run back so that every lookup still finds them.
  mutating func remove(at position: Int) {
    precondition(slots[position].digest != 0, "IndexTable: removing an empty slot")
    var hole = position
    var j = position
    while true {
      j = (j + 1) & mask
      let digest = slots[j].digest
      if digest == 0 { break }
      // The slot at j may fill the hole unless its home lies cyclically in (hole, j].
      if (j - home(digest)) & mask >= (j - hole) & mask {
        slots[hole] = slots[j]
        hole = j
      }
    }
    slots[hole] = IndexSlot()
    count -= 1
  }

  mutating func removeAll() {
    self = IndexTable()
  }

  private mutating func grow() {
    let old = slots
    self = IndexTable(minimumCapacity: old.count)  // twice the slots: old.count entries fit at 3/4
    for slot in old where slot.digest != 0 { upsert(slot) }
  }
}
