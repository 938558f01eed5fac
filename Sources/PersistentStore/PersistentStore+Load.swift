import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension PersistentStore {
  /// One segment as found at open, before its entries go into the index.
  private struct Found {
    var state: SegmentState
    var entries: [SegmentFormat.HintEntry]
  }

  /// Reads the directory into `state`: the clear stamp, then every segment in name (creation) order, from its
  /// hint file when that is valid, else by scanning it (and sealing it when its writer is gone).
  static func load(path: String, into state: inout IndexState, log: @Sendable (String) -> Void) {
    if let bytes = FileIO.readFile(path + "/cleared", limit: 64), bytes.count == 12,
      CRC32C.checksum(bytes, range: 0..<8) == bytes.uint32(at: 8)
    {
      state.clearEpoch = bytes.uint64(at: 0)
    } else if access(path + "/cleared", F_OK) == 0 {
      log("persistent store \(path): the clear stamp is damaged; ignoring it")
      state.counters.damagedHints += 1
    }
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else {
      if access(path, F_OK) == 0 { log("persistent store \(path): cannot list the directory; starting empty") }
      return
    }
    let hints = Set(names.filter { $0.hasSuffix(".hint") && !$0.hasPrefix(".") })
    let segmentNames = names.filter { $0.hasSuffix(".seg") && !$0.hasPrefix(".") }.sorted()
    var found: [Found] = []
    var problems: [String] = []
    for name in segmentNames {
      if let segment = loadSegment(path: path, base: String(name.dropLast(4)), hasHint: hints.contains(
        String(name.dropLast(4)) + ".hint"), counters: &state.counters, problems: &problems)
      {
        found.append(segment)
      }
    }
    if !problems.isEmpty {
      log("persistent store \(path): " + problems.prefix(3).joined(separator: "; ")
        + (problems.count > 3 ? "; and \(problems.count - 3) more" : ""))
    }
    // A hint whose segment is gone (a compaction in another process deleted both, or died between them).
    if access(path, W_OK) == 0 {
      let segments = Set(segmentNames.map { $0.dropLast(4) })
      for hint in hints where !segments.contains(hint.dropLast(5)) { unlink(path + "/" + hint) }
    }
    var slots: [IndexSlot] = []
    slots.reserveCapacity(found.reduce(0) { $0 + $1.entries.count })
    for segment in found {
      guard let slot = state.addSegment(segment.state) else {
        log("persistent store \(path): more than 65,535 segments; ignoring the rest")
        break
      }
      for entry in segment.entries where entry.stamp > state.clearEpoch {
        slots.append(
          IndexSlot(
            digest: entry.digest, offset: entry.offset, length: entry.length,
            recency: state.recency(forStamp: entry.stamp), segment: slot, flags: 0))
      }
    }
    found = []
    state.table = IndexTable(minimumCapacity: slots.count)
    // Inserted in the order of their home slots (a stable counting sort on its top 12 bits, so the records of one
    // key keep their file order): a million random inserts into a 48 MB table would each miss the cache.
    let bits = 12
    var starts = [Int](repeating: 0, count: (1 << bits) + 1)
    for slot in slots { starts[state.table.homeRegion(slot.digest, bits: bits) + 1] += 1 }
    for region in 0..<(1 << bits) { starts[region + 1] += starts[region] }
    var ordered = [IndexSlot](repeating: IndexSlot(), count: slots.count)
    for slot in slots {
      let region = state.table.homeRegion(slot.digest, bits: bits)
      ordered[starts[region]] = slot
      starts[region] += 1
    }
    slots = []
    var live = [Int](repeating: 0, count: state.segments.count)
    for slot in ordered {
      let (stored, replaced) = state.table.upsertUnlessNewer(slot)
      guard stored else { continue }
      live[Int(slot.segment)] += Int(slot.length)
      if let replaced { live[Int(replaced.segment)] -= Int(replaced.length) }
    }
    for (index, bytes) in live.enumerated() {
      state.segments[index]?.liveBytes = bytes
      state.liveBytes += bytes
    }
  }

  private static func loadSegment(
    path: String, base: String, hasHint: Bool, counters: inout Statistics, problems: inout [String]
  ) -> Found? {
    let segmentPath = path + "/" + base + ".seg"
    var fd = Glibc_open(segmentPath, O_RDWR | O_CLOEXEC, 0)
    let writable = fd >= 0
    if fd < 0 { fd = Glibc_open(segmentPath, O_RDONLY | O_CLOEXEC, 0) }
    guard fd >= 0 else {
      if errno != ENOENT {
        counters.ioErrors += 1
        problems.append("cannot open \(base).seg (\(FileIO.errorDescription(errno)))")
      }
      return nil
    }
    let file = SegmentFile(name: base, fd: fd, writable: writable)
    guard let size = FileIO.size(fd), size <= Int(UInt32.max) else {
      counters.ioErrors += 1
      problems.append("\(base).seg is unreadable or larger than 4 GiB; skipped")
      return nil
    }
    if hasHint {
      if let bytes = FileIO.readFile(path + "/" + base + ".hint", limit: 32 + 24 * (size / 33 + 1)),
        let hint = SegmentFormat.parseHint(bytes), hint.coveredBytes <= size
      {
        return Found(state: SegmentState(file: file, size: size, complete: true, sealed: true), entries: hint.entries)
      }
      counters.damagedHints += 1
      problems.append("the hint of \(base).seg is damaged; scanning the segment")
    }
    // No valid hint: a segment still being written (its writer holds the lock) or abandoned (the lock is free).
    let abandoned = flock(fd, LOCK_EX | LOCK_NB) == 0
    defer { if abandoned { flock(fd, LOCK_UN) } }
    guard let bytes = FileIO.read(fd, offset: 0, count: size) else {
      counters.ioErrors += 1
      problems.append("cannot read \(base).seg (\(FileIO.errorDescription(errno)))")
      return nil
    }
    let scan = SegmentFormat.scan(bytes)
    let entries = scan.records.map {
      SegmentFormat.HintEntry(digest: $0.digest, stamp: $0.stamp, offset: UInt32($0.offset), length: UInt32($0.length))
    }
    guard abandoned else {
      return Found(state: SegmentState(file: file, size: size, complete: false, sealed: false), entries: entries)
    }
    counters.damagedRecords += scan.damagedRegions
    if scan.tornTail { counters.tornTails += 1 }
    if scan.damagedRegions > 0 { problems.append("dropped \(scan.damagedRegions) damaged record(s) in \(base).seg") }
    guard writable else {
      return Found(state: SegmentState(file: file, size: size, complete: true, sealed: false), entries: entries)
    }
    if entries.isEmpty {
      unlink(segmentPath)
      unlink(path + "/" + base + ".hint")
      return nil
    }
    var kept = size
    if scan.tornTail && ftruncate(fd, off_t(scan.validEnd)) == 0 { kept = scan.validEnd }
    let hint = SegmentFormat.encodeHint(entries, coveredBytes: scan.validEnd)
    let sealed =
      FileIO.writeFileAtomically(path + "/" + base + ".hint", hint, temporary: temporaryPath(path, base)) == 0
    return Found(state: SegmentState(file: file, size: kept, complete: true, sealed: sealed), entries: entries)
  }
}
