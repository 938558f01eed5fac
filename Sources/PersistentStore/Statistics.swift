extension PersistentStore {
  /// A snapshot of the store's counters. Counters count since this process opened the store.
  public struct Statistics: Equatable, Sendable {
    /// Keys held now (in this process's index).
    public var entries = 0
    /// Bytes of the live records (header, key and value of the newest record of each key): what `capacityBytes` bounds.
    public var bytes = 0
    public var capacityBytes = 0
    /// Bytes of all segment files this process knows, live and dead records.
    public var diskBytes = 0
    /// Lookups answered from the store.
    public var hits = 0
    /// Lookups of keys it does not hold (or whose record turned out damaged).
    public var misses = 0
    /// Entries dropped to respect the bound.
    public var evictions = 0
    /// Segment files known now.
    public var segments = 0
    /// Compactions this process completed.
    public var compactions = 0
    /// Damaged records dropped: stretches of a segment that were no valid record, found by a scan, and records
    /// that failed their checksum (or held another key) when read.
    public var damagedRecords = 0
    /// Segments that ended in a torn or truncated record (dropped; normal after a process was killed).
    public var tornTails = 0
    /// Hint files that were damaged or did not match their segment (their segment was scanned instead).
    public var damagedHints = 0
    /// Failed writes, reads and file operations.
    public var ioErrors = 0
    /// Whether inserts reach the disk now (false after a failed write until a retry succeeds, or when read-only).
    public var writable = true
    /// Memory of the in-memory index (hash table and segment table).
    public var indexBytes = 0

    public init() {}

    /// Damaged records, damaged hints and I/O errors together.
    public var errors: Int { damagedRecords + damagedHints + ioErrors }
  }
}
