/// What the index lock guards: the index, the segment table, the counters.
struct IndexState {
  var table = IndexTable()
  /// Indexed by `IndexSlot.segment`; nil for a free slot.
  var segments: [SegmentState?] = []
  /// The last-use clock: loaded entries lie below 2^24, uses in this process above.
  var clock: UInt32 = 1 << 24
  var liveBytes = 0
  var counters = PersistentStore.Statistics()
  /// Records stamped at or before this were cleared (the `cleared` file).
  var clearEpoch: UInt64 = 0
  var closed = false
  /// When the store was opened (µs), the end of the window loaded stamps are mapped onto.
  let openTime: UInt64

  init(openTime: UInt64) { self.openTime = openTime }

  /// The next use tick. Near the top of the clock every recency is halved (order kept, 2^31 ticks freed).
  mutating func tick() -> UInt32 {
    if clock == UInt32.max {
      for position in table.slots.indices where table.slots[position].digest != 0 {
        var slot = table[position]
        slot.recency >>= 1
        table[position] = slot
      }
      clock >>= 1
    }
    clock += 1
    return clock
  }

  /// The recency of an entry loaded with `stamp`: its place in the 30 days before open, on [0, 2^24).
  func recency(forStamp stamp: UInt64) -> UInt32 {
    let window: UInt64 = 30 * 86_400 * 1_000_000
    let start = openTime - window
    guard stamp > start else { return 0 }
    // One unit more than window / 2^24, so that open time itself maps below 2^24.
    return UInt32(min((stamp - start) / ((window >> 24) + 1), (1 << 24) - 1))
  }

  /// Registers a segment in a free slot; nil when all 65,535 are taken.
  mutating func addSegment(_ segment: SegmentState) -> UInt16? {
    if let free = segments.firstIndex(where: { $0 == nil }) {
      segments[free] = segment
      return UInt16(free)
    }
    guard segments.count < Int(UInt16.max) else { return nil }
    segments.append(segment)
    return UInt16(segments.count - 1)
  }

  mutating func removeSegment(_ slot: UInt16) {
    segments[Int(slot)] = nil
    while let last = segments.last, last == nil { segments.removeLast() }
  }

  /// Points the index at `slot`'s record, keeping the live byte counts.
  mutating func place(_ slot: IndexSlot) {
    if let old = table.upsert(slot) {
      segments[Int(old.segment)]?.liveBytes -= Int(old.length)
      liveBytes -= Int(old.length)
    }
    segments[Int(slot.segment)]!.liveBytes += Int(slot.length)
    liveBytes += Int(slot.length)
  }

  /// Drops the entry at `position`; its record becomes dead.
  mutating func drop(at position: Int) {
    let old = table[position]
    segments[Int(old.segment)]?.liveBytes -= Int(old.length)
    liveBytes -= Int(old.length)
    table.remove(at: position)
  }

  /// Past `capacity`, drops the least recently used entries down to 90% of it: a histogram of the recencies in
  /// 1024 buckets between the oldest and newest, then every entry in the buckets that hold the oldest bytes.
  /// - Complexity: O(table size), once per tenth of the capacity inserted.
  mutating func evict(capacity: Int) {
    guard liveBytes > capacity else { return }
    let target = liveBytes - (capacity - capacity / 10)
    var oldest = UInt32.max, newest: UInt32 = 0
    for slot in table.slots where slot.digest != 0 {
      oldest = min(oldest, slot.recency)
      newest = max(newest, slot.recency)
    }
    let span = UInt64(newest - oldest) + 1
    let bucketCount = 1024
    @inline(__always) func bucket(_ recency: UInt32) -> Int { Int(UInt64(recency - oldest) * UInt64(bucketCount) / span) }
    var bytes = [Int](repeating: 0, count: bucketCount)
    for slot in table.slots where slot.digest != 0 { bytes[bucket(slot.recency)] += Int(slot.length) }
    var cutoff = 0, freed = 0
    while cutoff < bucketCount {
      freed += bytes[cutoff]
      if freed >= target { break }
      cutoff += 1
    }
    // Every entry of the older buckets, and of the cutoff bucket (whose entries are equally old as far as the
    // histogram can tell) only as many as the target needs.
    var victims: [UInt64] = []
    var fromCutoff = target - (freed - (cutoff < bucketCount ? bytes[cutoff] : 0))
    for slot in table.slots where slot.digest != 0 {
      let b = bucket(slot.recency)
      if b < cutoff {
        victims.append(slot.digest)
      } else if b == cutoff && fromCutoff > 0 {
        victims.append(slot.digest)
        fromCutoff -= Int(slot.length)
      }
    }
    for digest in victims {
      if let position = table.find(digest) { drop(at: position) }
    }
    counters.evictions += victims.count
  }

  /// Whether dead records in sealed segments pass `share` of their bytes (and half a segment), or small sealed
  /// segments have piled up.
  func needsCompaction(share: Double, segmentBytes: Int) -> Bool {
    var total = 0, live = 0, small = 0
    for case let segment? in segments where segment.complete && segment.sealed {
      total += segment.size
      live += segment.liveBytes
      if segment.size < segmentBytes / 2 { small += 1 }
    }
    let dead = total - live
    return (dead > segmentBytes / 2 && Double(dead) > share * Double(total)) || small >= 8
  }
}

/// What the writer lock guards: this process's active segment and the stamp clock.
struct WriterState {
  struct Active {
    let slot: UInt16
    let file: SegmentFile
    var size = 0
    /// The records written to it, for its hint file.
    var entries: [SegmentFormat.HintEntry] = []

    init(slot: UInt16, file: SegmentFile) {
      self.slot = slot
      self.file = file
    }
  }

  var active: Active?
  var lastStamp: UInt64 = 0
  /// No write is tried before this time (µs) after a failure.
  var retryAfter: UInt64 = 0
  var failureLogged = false
  var readOnly = false
  var closed = false

  /// A stamp after every earlier one of this process and after the clear stamp.
  mutating func nextStamp(now: UInt64, epoch: UInt64) -> UInt64 {
    lastStamp = max(now, lastStamp + 1, epoch + 1)
    return lastStamp
  }
}
