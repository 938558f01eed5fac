import Foundation

/// Measures a store as the worker would use it (not a test: nothing is asserted): builds `entries` records of
/// `dimension` floats under keys shaped like the worker's (a model identity, a kind, a 32-byte digest) in a fresh
/// subdirectory of `directory`, closes it, opens it again and times the first answer, then lookups. Deletes the
/// subdirectory at the end. For `clip-bench store` and `store-stress bench`.
public enum StoreBenchmark {
  public struct Report: Sendable, CustomStringConvertible {
    public var entries = 0
    public var dimension = 0
    public var diskBytes = 0
    /// Inserts per second while building (one writer thread, page cache, no fsync).
    public var insertsPerSecond = 0.0
    /// From `open` to the first vector returned.
    public var openToFirstAnswerMilliseconds = 0.0
    public var indexBytesPerEntry = 0.0
    /// Lookups of random stored keys per second (one thread, warm page cache; refreshes of recency included).
    public var lookupsPerSecond = 0.0
    /// The same lookups again: their recency is already persisted, so no record is rewritten.
    public var repeatedLookupsPerSecond = 0.0
    /// Lookups of keys not stored per second.
    public var missesPerSecond = 0.0

    public var description: String {
      func f(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }
      return """
        store: \(entries) entries × \(dimension) floats, \(f(Double(diskBytes) / 1_048_576)) MiB on disk
          insert: \(f(insertsPerSecond, 0))/s
          open to first answer: \(f(openToFirstAnswerMilliseconds)) ms
          index: \(f(indexBytesPerEntry)) bytes/entry
          lookup (hit, first in this process: rewrites the record's stamp): \(f(lookupsPerSecond, 0))/s
          lookup (hit, repeated): \(f(repeatedLookupsPerSecond, 0))/s, lookup (miss): \(f(missesPerSecond, 0))/s
        """
    }
  }

  /// The key of entry `i`: "bench-model\0image\0" and 32 bytes derived from `i`.
  public static func key(_ i: Int) -> [UInt8] {
    var key = Array("bench-model\u{0}image\u{0}".utf8)
    var x = UInt64(i) &+ 0x9E37_79B9_7F4A_7C15
    for _ in 0..<4 {
      x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
      x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
      x ^= x >> 31
      key.appendLE(x)
    }
    return key
  }

  public static func run(directory: URL, entries: Int, dimension: Int, log: @escaping @Sendable (String) -> Void = { _ in })
    -> Report
  {
    let root = directory.appendingPathComponent("store-benchmark-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    defer { try? FileManager.default.removeItem(at: root) }
    let recordBytes = SegmentFormat.recordHeaderBytes + key(0).count + 4 * dimension
    var options = PersistentStore.Options(capacityBytes: recordBytes * entries * 2)
    options.automaticCompaction = false
    var report = Report()
    report.entries = entries
    report.dimension = dimension
    let vector = (0..<dimension).map { Float($0) * 0.25 }
    do {
      let store = PersistentStore.open(directory: root, options: options, log: log)
      let start = DispatchTime.now().uptimeNanoseconds
      for i in 0..<entries { store.insert(vector, for: key(i)) }
      report.insertsPerSecond = Double(entries) / seconds(since: start)
      store.close()
    }
    let start = DispatchTime.now().uptimeNanoseconds
    let store = PersistentStore.open(directory: root, options: options, log: log)
    let first = store.vector(for: key(entries / 2))
    report.openToFirstAnswerMilliseconds = seconds(since: start) * 1000
    precondition(first == vector, "StoreBenchmark: the store lost a record")
    let statistics = store.statistics()
    report.diskBytes = statistics.diskBytes
    report.indexBytesPerEntry = Double(statistics.indexBytes) / Double(max(1, statistics.entries))
    let lookups = min(entries, 200_000)
    var generator = SystemRandomNumberGenerator()
    let keys = (0..<lookups).map { _ in key(Int.random(in: 0..<entries, using: &generator)) }
    let lookupStart = DispatchTime.now().uptimeNanoseconds
    var found = 0
    for key in keys where store.vector(for: key) != nil { found += 1 }
    report.lookupsPerSecond = Double(lookups) / seconds(since: lookupStart)
    precondition(found == lookups, "StoreBenchmark: \(lookups - found) lookups missed")
    let repeatStart = DispatchTime.now().uptimeNanoseconds
    for key in keys { precondition(store.vector(for: key) != nil, "StoreBenchmark: a repeated lookup missed") }
    report.repeatedLookupsPerSecond = Double(lookups) / seconds(since: repeatStart)
    let missKeys = (0..<lookups).map { key(entries + $0) }
    let missStart = DispatchTime.now().uptimeNanoseconds
    for key in missKeys { precondition(store.vector(for: key) == nil, "StoreBenchmark: a key never stored was found") }
    report.missesPerSecond = Double(lookups) / seconds(since: missStart)
    store.close()
    return report
  }

  private static func seconds(since start: UInt64) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
  }
}
