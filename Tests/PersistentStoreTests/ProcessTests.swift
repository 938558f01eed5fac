import Foundation
import Testing

@testable import PersistentStore

/// Several processes (store-stress children) on one store: killed with SIGKILL while writing, four at once,
/// a read-only directory, a file-size limit standing in for a full disk.
@Suite(.serialized) struct ProcessTests {
  /// A record is written completely when the child's `insert` returned: the child reports its index on stdout
  /// only then. After every kill the store must open, hold every reported record, and hold no wrong vector.
  @Test func killNineWhileWritingLosesNothingWritten() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let keyCount = 3000, dimension = 16
    var generator = SystemRandomNumberGenerator()
    var tornTails = 0, everReported = Set<Int>()
    let start = Date()
    for round in 0..<200 {
      let first = Int.random(in: 0..<keyCount - 1000, using: &generator)
      let process = Process()
      process.executableURL = StressProcess.executable
      process.arguments = ["write", directory.path, "k", String(first), "1000", String(dimension), "8192", "1"]
      let output = Pipe()
      process.standardOutput = output
      process.standardError = FileHandle.nullDevice
      try process.run()
      usleep(UInt32.random(in: 2_000...40_000, using: &generator))
      kill(process.processIdentifier, SIGKILL)
      let data = output.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      #expect(process.terminationReason == .uncaughtSignal, "round \(round)")
      // Only whole lines: a line cut by the kill may be a number's prefix.
      let text = String(decoding: data, as: UTF8.self)
      let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
      let reported = Set(lines.compactMap { Int($0) })
      everReported.formUnion(reported)

      let store = PersistentStore.open(directory: directory.url, options: .testing(segmentBytes: 8192))
      let statistics = store.statistics()
      tornTails += statistics.tornTails
      #expect(statistics.damagedRecords == 0, "round \(round)")
      for i in everReported {
        #expect(store.vector(for: Sample.key(i)) == Sample.vector(i, dimension: dimension), "round \(round) k\(i)")
      }
      for i in 0..<keyCount where !everReported.contains(i) {
        if let found = store.vector(for: Sample.key(i)) {
          #expect(found == Sample.vector(i, dimension: dimension), "round \(round) k\(i)")
        }
      }
      // Compacting now and then keeps the segments few (the children are killed before theirs finish).
      if round % 10 == 9 { store.compact() }
      store.close()
    }
    #expect(Date().timeIntervalSince(start) < 60, "the whole torture stays under a minute")
    #expect(everReported.count > 1000, "the children wrote a good share of the keys")
    // Torn tails are rare here (Linux cuts a pwrite(2) short on SIGKILL only between pages) and not required:
    // DamageTests cuts records at every byte instead. At most one per kill.
    #expect(tornTails <= 200)
  }

  @Test func fourWritersAtOnceLoseAndCorruptNothing() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let count = 400, dimension = 16
    let outputs = Locked2<[String]>([])
    DispatchQueue.concurrentPerform(iterations: 4) { n in
      let text = try? StressProcess.run(
        ["write", directory.path, "p\(n)-,s-", "0", String(count), String(dimension), "4096", "0"], timeout: 60)
      outputs.withLock { $0.append(text ?? "") }
    }
    for text in outputs.withLock({ $0 }) { #expect(text.split(separator: "\n").count == 2 * count) }
    let store = PersistentStore.open(directory: directory.url, options: .testing())
    for i in 0..<count {
      for prefix in ["p0-", "p1-", "p2-", "p3-", "s-"] {
        #expect(store.vector(for: Sample.key(i, prefix: prefix)) == Sample.vector(i, prefix: prefix, dimension: dimension),
          "\(prefix)\(i)")
      }
    }
    let statistics = store.statistics()
    #expect(statistics.entries == 5 * count)
    #expect(statistics.errors == 0)
    #expect(statistics.tornTails == 0)
  }

  @Test func aReadOnlyDirectoryServesReadsAndSkipsWrites() throws {
    let directory = try TemporaryDirectory()
    defer {
      chmod(directory.path, 0o755)
      directory.remove()
    }
    do {
      let store = PersistentStore.open(directory: directory.url, options: .testing())
      for i in 0..<10 { store.insert(Sample.vector(i), for: Sample.key(i)) }
      store.close()
    }
    #expect(chmod(directory.path, 0o555) == 0)
    // As root the child drops to user nobody, for whom the mode holds.
    let output = try StressProcess.run(["readonly", directory.path])
    #expect(output == "found=10 writable=false ioErrors=0 logs=1 new=false\n")
  }

  @Test func aFullDiskFailsWritesQuietlyAndReadsGoOn() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let output = try StressProcess.run(["fsize", directory.path, "20000"])
    let fields = Dictionary(
      uniqueKeysWithValues: output.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { field in
        let parts = field.split(separator: "=")
        return (String(parts[0]), String(parts.count > 1 ? parts[1] : ""))
      })
    let found = try #require(fields["found"].flatMap { Int($0) })
    #expect(found > 10 && found < 2000, "records up to the limit were stored: \(output)")
    #expect(fields["logs"] == "1", "\(output)")
    #expect(fields["writable"] == "false", "\(output)")
    #expect((fields["ioErrors"].flatMap { Int($0) } ?? 0) >= 1, "\(output)")
    let store = PersistentStore.open(directory: directory.url, options: .testing())
    #expect(store.statistics().entries == found)
    #expect(store.statistics().damagedRecords == 0)
    for i in 0..<found { #expect(store.vector(for: Sample.key(i)) == Sample.vector(i, dimension: 64)) }
  }
}

/// A value shared by the threads of `concurrentPerform`.
final class Locked2<Value>: @unchecked Sendable {
  private let lock = NSLock()
  private var value: Value
  init(_ value: Value) { self.value = value }
  func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
    lock.lock()
    defer { lock.unlock() }
    return body(&value)
  }
}
