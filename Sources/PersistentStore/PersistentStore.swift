import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A persistent, crash-safe map from keys (bytes) to Float32 vectors in a directory, bounded in bytes, shared by
/// several processes. Knows nothing of models or images: the caller composes keys (see README.md).
///
/// - An append-only log of checksummed records in segment files; each process appends to its own active segment
///   (named uniquely, `flock`ed while it writes), seals it with a hint file when it reaches `segmentBytes` or at
///   `close()`. Open loads the hint files of sealed segments and scans only the unsealed ones: a segment whose
///   writer died (its lock is free) is scanned, its torn tail cut and a hint written; a segment another process is
///   still writing is scanned as far as it goes.
/// - An in-memory index (`IndexTable`, 24-byte slots) maps key digests to their newest record. Every lookup reads
///   the record, verifies its checksum and compares the whole key, so a damaged record or a digest collision is a
///   miss, never a wrong vector.
/// - Recency: records carry a stamp (µs since 1970, per process strictly increasing). In memory, a 32-bit last-use
///   clock: entries loaded from disk get their stamp mapped onto [0, 2^24) over the 30 days before open (older
///   ones are 0), and each insert or hit in this process takes the next tick above 2^24. A hit on an entry whose
///   stamp predates this process rewrites its record once (a copy with a new stamp), so recency survives restarts
///   at the cost of one append per key used per process. Past `capacityBytes`, the least recently used entries
///   are dropped down to 90% of it (a 1024-bucket histogram of the clock), and their records become dead.
/// - Dead records (overwritten, evicted, cleared) are reclaimed by compaction, in the background when they pass
///   `compactionDeadShare` of the sealed segments' bytes: the live records of the emptiest sealed segments are
///   copied verbatim to a new segment, published under the directory lock, then the inputs are unlinked.
///   Readers keep reading the old files meanwhile.
/// - Nothing thrown for damage or I/O: a damaged record is dropped and counted, a failed write is counted and
///   logged once (then retried after 5 s), a directory that cannot be written is served read-only.
///
/// Thread-safe. Inserts take the writer lock (one `pwrite` to the page cache), then the index lock briefly;
/// lookups take the index lock briefly, read the record outside it, and never wait for a write.
public final class PersistentStore: Sendable {
  public struct Options: Sendable {
    /// The bound on the bytes of live records.
    public var capacityBytes: Int
    /// A process's active segment is sealed when it reaches this size (and compaction outputs are cut at it).
    public var segmentBytes: Int
    /// Compaction runs in the background when dead records pass this share of the sealed segments' bytes.
    public var compactionDeadShare = 0.5
    /// Whether compaction runs on its own (tests turn it off to call `compact()` themselves).
    public var automaticCompaction = true
    /// Whether a hit on an entry written before this process opened the store rewrites its record (see above).
    public var refreshRecencyOnHit = true

    /// Defaults for a bound: segments of a sixteenth of it, between 1 MiB and 64 MiB.
    public init(capacityBytes: Int) {
      precondition(capacityBytes >= 0, "PersistentStore: negative capacity")
      self.capacityBytes = capacityBytes
      segmentBytes = min(64 << 20, max(1 << 20, capacityBytes / 16))
    }
  }

  public let directory: URL
  public let options: Options
  let log: @Sendable (String) -> Void
  let index: Mutex<IndexState>
  let writer: Mutex<WriterState>
  /// Held for a whole compaction, `clear()` and `close()`, which must not interleave in this process (an
  /// `flock` held on one descriptor does not exclude other threads of the same process).
  let maintenance = Mutex(())
  let compactionScheduled = Mutex(false)
  /// `lock`: shared while a process lists and opens segments, exclusive while one publishes or deletes them.
  let directoryLock: Int32
  /// `compact.lock`: exclusive for a whole compaction, so that two processes never compact one segment.
  let compactionLock: Int32
  let path: String

  /// Opens (or creates) the store in `directory`. Never fails: damage is dropped and counted, and a directory
  /// that cannot be created or written gives a store that serves what it can read (possibly nothing) and skips
  /// writes; `log` hears why (one line per problem, no trailing newline). Never prints.
  public static func open(
    directory: URL, capacityBytes: Int, log: @escaping @Sendable (String) -> Void = { _ in }
  ) -> PersistentStore {
    PersistentStore(directory: directory, options: Options(capacityBytes: capacityBytes), log: log)
  }

  /// As `open(directory:capacityBytes:log:)`, with every option.
  public static func open(
    directory: URL, options: Options, log: @escaping @Sendable (String) -> Void = { _ in }
  ) -> PersistentStore {
    PersistentStore(directory: directory, options: options, log: log)
  }

  private init(directory: URL, options: Options, log: @escaping @Sendable (String) -> Void) {
    precondition(options.segmentBytes >= 4096 && options.segmentBytes <= 1 << 30, "PersistentStore: segmentBytes")
    self.directory = directory
    self.options = options
    self.log = log
    let path = directory.path
    self.path = path
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      log("persistent store \(path): cannot create the directory (\(error.localizedDescription)); running without it")
    }
    directoryLock = Self.openLockFile(path + "/lock")
    compactionLock = Self.openLockFile(path + "/compact.lock")
    let openTime = Self.now()
    var state = IndexState(openTime: openTime)
    let shared = Self.lockShared(directoryLock)
    if !shared { log("persistent store \(path): the directory lock is held elsewhere; opening without it") }
    Self.load(path: path, into: &state, log: log)
    if shared { flock(directoryLock, LOCK_UN) }
    var writerState = WriterState()
    if access(path, W_OK) != 0 {
      writerState.readOnly = true
      log("persistent store \(path): the directory is not writable; serving reads only")
    }
    writerState.lastStamp = max(openTime, state.clearEpoch)
    state.evict(capacity: options.capacityBytes)
    index = Mutex(state)
    writer = Mutex(writerState)
    scheduleCompactionIfNeeded()
  }

  deinit {
    close()
    if directoryLock >= 0 { Glibc_close(directoryLock) }
    if compactionLock >= 0 { Glibc_close(compactionLock) }
  }

  // MARK: - Lookups and inserts

  /// The vector stored under `key`, or nil. Counts a hit or a miss and refreshes the key's recency.
  public func vector(for key: [UInt8]) -> [Float]? {
    let digest = KeyDigest.of(key)
    let found: (file: SegmentFile, slot: IndexSlot)? = index.withLock { state in
      guard !state.closed else { return nil }
      guard let position = state.table.find(digest), let file = state.segments[Int(state.table[position].segment)]?.file
      else {
        state.counters.misses += 1
        return nil
      }
      return (file, state.table[position])
    }
    guard let found else { return nil }
    let bytes = FileIO.read(found.file.fd, offset: Int(found.slot.offset), count: Int(found.slot.length))
    let header = bytes.flatMap { SegmentFormat.validRecord($0, at: 0) }
    guard let bytes, let header, header.length == Int(found.slot.length), header.keyLength == key.count,
      bytes.matches(key, at: header.keyRange.lowerBound)
    else {
      // A valid record where the index says, of another key: a digest collision, a miss but not damage.
      let collision = header.map { $0.length == Int(found.slot.length) } ?? false
      index.withLock { state in
        state.counters.misses += 1
        if bytes == nil { state.counters.ioErrors += 1 }
        guard !collision else { return }
        if let position = state.table.find(digest), state.table[position].segment == found.slot.segment,
          state.table[position].offset == found.slot.offset
        {
          state.drop(at: position)
          state.counters.damagedRecords += 1
        }
      }
      return nil
    }
    let values = bytes.floats(at: header.valueOffset, count: header.count)
    let refresh: Bool = index.withLock { state in
      state.counters.hits += 1
      guard let position = state.table.find(digest), state.table[position].segment == found.slot.segment,
        state.table[position].offset == found.slot.offset
      else { return false }
      var slot = state.table[position]
      slot.recency = state.tick()
      let refresh = slot.flags & IndexSlot.persisted == 0
      slot.flags |= IndexSlot.persisted
      state.table[position] = slot
      return refresh
    }
    if refresh && options.refreshRecencyOnHit {
      // Never wait behind another insert's write for this: skip the refresh when the writer is busy.
      _ = writer.withLockIfAvailable { writer in append(key: key, values: values, digest: digest, &writer) }
    }
    return values
  }

  /// Stores `vector` under `key` (replacing what was there). Returns when the record is in the operating
  /// system's page cache: from then on it survives the process being killed (not a power loss: nothing is
  /// fsynced; a record lost that way is dropped by its checksum). Does nothing after `close()`, for a record
  /// larger than the capacity, or while writes fail (counted in `ioErrors`, logged once).
  /// - Precondition: 1 ≤ `key.count` ≤ 4096, `vector.count` ≤ 2^20.
  public func insert(_ vector: [Float], for key: [UInt8]) {
    precondition((1...SegmentFormat.maxKeyBytes).contains(key.count), "PersistentStore: key of \(key.count) bytes")
    precondition(vector.count <= SegmentFormat.maxValueCount, "PersistentStore: vector of \(vector.count) values")
    let digest = KeyDigest.of(key)
    writer.withLock { writer in append(key: key, values: vector, digest: digest, &writer) }
    scheduleCompactionIfNeeded()
  }

  /// Appends one record to the active segment and points the index at it.
  private func append(key: [UInt8], values: [Float], digest: UInt64, _ writer: inout WriterState) {
    let length = SegmentFormat.recordHeaderBytes + key.count + 4 * values.count
    guard !writer.closed, !writer.readOnly, length <= options.capacityBytes else { return }
    let now = Self.now()
    guard now >= writer.retryAfter else { return }
    guard let active = activeSegment(&writer) else { return }
    let epoch = index.withLock { $0.clearEpoch }
    let stamp = writer.nextStamp(now: now, epoch: epoch)
    let record = SegmentFormat.encodeRecord(key: key, values: values, stamp: stamp)
    let offset = active.size
    let status = FileIO.write(active.file.fd, record, offset: offset)
    guard status == 0 else {
      writeFailed(&writer, "writing a record to \(active.file.name).seg", status)
      if ftruncate(active.file.fd, off_t(offset)) != 0 { seal(&writer) }
      return
    }
    if writer.failureLogged {
      writer.failureLogged = false
      log("persistent store \(path): writes work again")
    }
    writer.active!.size += length
    writer.active!.entries.append(
      SegmentFormat.HintEntry(digest: digest, stamp: stamp, offset: UInt32(offset), length: UInt32(length)))
    let capacity = options.capacityBytes
    index.withLock { state in
      state.segments[Int(active.slot)]!.size += length
      let slot = IndexSlot(
        digest: digest, offset: UInt32(offset), length: UInt32(length), recency: state.tick(), segment: active.slot,
        flags: IndexSlot.persisted)
      state.place(slot)
      state.evict(capacity: capacity)
    }
    if writer.active!.size >= options.segmentBytes { seal(&writer) }
  }

  /// This process's active segment, created when there is none (or when another process unlinked it).
  private func activeSegment(_ writer: inout WriterState) -> WriterState.Active? {
    if let active = writer.active {
      if FileIO.isLinked(active.file.fd) { return active }
      writer.active = nil
      index.withLock { $0.segments[Int(active.slot)]?.complete = false }
    }
    let name = Self.segmentName(stamp: writer.nextStamp(now: Self.now(), epoch: 0))
    // Locked under a temporary name, then given its own: a segment is never seen by another process unlocked and
    // empty, which its loader takes for abandoned and unlinks. (Created under its name and locked after, a segment
    // was once unlinked in between by a process opening the store, and its first record written to no file.)
    let temporary = Self.temporaryPath(path, name + ".seg")
    let fd = Glibc_open(temporary, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
      writeFailed(&writer, "creating a segment", errno)
      return nil
    }
    flock(fd, LOCK_EX | LOCK_NB)
    // `link` fails if the name exists, as O_EXCL did.
    let linked = link(temporary, path + "/" + name + ".seg") == 0 ? 0 : errno
    unlink(temporary)
    guard linked == 0 else {
      Glibc_close(fd)
      writeFailed(&writer, "creating a segment", linked)
      return nil
    }
    let file = SegmentFile(name: name, fd: fd, writable: true)
    guard let slot = index.withLock({ $0.addSegment(SegmentState(file: file, size: 0, complete: true, sealed: false)) })
    else {
      unlink(path + "/" + name + ".seg")
      writeFailed(&writer, "creating a segment (too many segments)", EMFILE)
      return nil
    }
    writer.active = WriterState.Active(slot: slot, file: file)
    return writer.active
  }

  /// Writes the active segment's hint file and stops appending to it (an empty one is deleted).
  func seal(_ writer: inout WriterState) {
    guard let active = writer.active else { return }
    writer.active = nil
    let base = path + "/" + active.file.name
    if active.size == 0 {
      unlink(base + ".seg")
      index.withLock { $0.removeSegment(active.slot) }
      return
    }
    let hint = SegmentFormat.encodeHint(active.entries, coveredBytes: active.size)
    let status = FileIO.writeFileAtomically(base + ".hint", hint, temporary: Self.temporaryPath(path, active.file.name))
    if status != 0 { writeFailed(&writer, "writing the hint of \(active.file.name).seg", status) }
    flock(active.file.fd, LOCK_UN)
    index.withLock { $0.segments[Int(active.slot)]?.sealed = status == 0 }
  }

  private func writeFailed(_ writer: inout WriterState, _ what: String, _ code: Int32) {
    index.withLock { $0.counters.ioErrors += 1 }
    writer.retryAfter = Self.now() + 5_000_000
    guard !writer.failureLogged else { return }
    writer.failureLogged = true
    log("persistent store \(path): \(what) failed (\(FileIO.errorDescription(code))); skipping writes, reads go on")
  }

  // MARK: - Clearing, statistics, closing

  /// Empties the store: every segment this process knows completely is deleted, and a clear stamp makes the
  /// records other processes are writing now (and wrote before) invisible to every later open. Records another
  /// process writes while the clear runs may be lost. Counters other than entries and bytes are kept.
  public func clear() {
    maintenance.withLock { _ in
      let exclusive = directoryLock >= 0 && flock(directoryLock, LOCK_EX) == 0
      defer { if exclusive { flock(directoryLock, LOCK_UN) } }
      writer.withLock { writer in
        let epoch = writer.nextStamp(now: Self.now(), epoch: 0)
        if !writer.readOnly {
          var bytes: [UInt8] = []
          bytes.appendLE(epoch)
          bytes.appendLE(CRC32C.checksum(bytes))
          let status = FileIO.writeFileAtomically(path + "/cleared", bytes, temporary: Self.temporaryPath(path, "cleared"))
          if status != 0 { writeFailed(&writer, "writing the clear stamp", status) }
        }
        writer.active = nil
        index.withLock { state in
          for segment in state.segments.compactMap({ $0 }) where segment.complete && segment.file.writable {
            unlink(path + "/" + segment.file.name + ".seg")
            unlink(path + "/" + segment.file.name + ".hint")
          }
          state.table.removeAll()
          state.segments = []
          state.liveBytes = 0
          state.clearEpoch = epoch
        }
      }
    }
  }

  /// The counters now.
  public func statistics() -> Statistics {
    let writable = writer.withLock { !$0.readOnly && !$0.failureLogged }
    return index.withLock { state in
      var statistics = state.counters
      statistics.entries = state.table.count
      statistics.bytes = state.liveBytes
      statistics.capacityBytes = options.capacityBytes
      let segments = state.segments.compactMap { $0 }
      statistics.segments = segments.count
      statistics.diskBytes = segments.reduce(0) { $0 + $1.size }
      statistics.writable = writable
      statistics.indexBytes = state.table.bytes + state.segments.count * MemoryLayout<SegmentState?>.stride
      return statistics
    }
  }

  /// Seals the active segment (its hint makes the next open fast), waits for a running compaction and closes the
  /// files. Later calls find nothing and store nothing. Called by deinit.
  public func close() {
    maintenance.withLock { _ in
      writer.withLock { writer in
        guard !writer.closed else { return }
        seal(&writer)
        writer.closed = true
      }
      index.withLock { state in
        state.closed = true
        state.table.removeAll()
        state.segments = []
      }
    }
  }

  // MARK: - Helpers

  /// Microseconds since 1970.
  static func now() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    return UInt64(time.tv_sec) * 1_000_000 + UInt64(time.tv_nsec / 1000)
  }

  /// `<stamp: 16 hex>-<pid: 8 hex>-<random: 8 hex>`: sorts by creation time, unique across processes.
  static func segmentName(stamp: UInt64) -> String {
    hex(stamp, 16) + "-" + hex(UInt64(UInt32(truncatingIfNeeded: getpid())), 8) + "-" + hex(UInt64(UInt32.random(in: 0...UInt32.max)), 8)
  }

  static func temporaryPath(_ directory: String, _ name: String) -> String {
    directory + "/.tmp-" + name + "-" + hex(UInt64(UInt32(truncatingIfNeeded: getpid())), 8) + "-"
      + hex(UInt64(UInt32.random(in: 0...UInt32.max)), 8)
  }

  static func hex(_ value: UInt64, _ width: Int) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
  }

  static func openLockFile(_ path: String) -> Int32 {
    let fd = Glibc_open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    return fd >= 0 ? fd : Glibc_open(path, O_RDONLY | O_CLOEXEC, 0)
  }

  /// Takes the shared directory lock, retrying for up to a second; false without it.
  static func lockShared(_ fd: Int32) -> Bool {
    guard fd >= 0 else { return false }
    for _ in 0..<200 {
      if flock(fd, LOCK_SH | LOCK_NB) == 0 { return true }
      usleep(5000)
    }
    return false
  }
}

// `open` and `close` are also members of the store; these name the C functions.
@inline(__always) func Glibc_open(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
@inline(__always) func Glibc_close(_ fd: Int32) { _ = close(fd) }
