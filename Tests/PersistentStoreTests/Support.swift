import Foundation
import Synchronization
import Testing

@testable import PersistentStore

/// A fresh directory under the system's temporary directory, removed by `remove()`; never the user's cache.
struct TemporaryDirectory {
  let url: URL
  var path: String { url.path }

  init() throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent("store-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  func remove() { try? FileManager.default.removeItem(at: url) }

  func files(_ suffix: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(suffix) && !$0.hasPrefix(".") }.sorted()
  }
}

/// The keys and vectors of the tests; `vector` is StressData.vector of Tests/StoreStress (the child's copy).
enum Sample {
  static func key(_ i: Int, prefix: String = "k") -> [UInt8] { Array((prefix + String(i)).utf8) }

  static func vector(_ key: String, dimension: Int) -> [Float] {
    var hash: UInt32 = 2_166_136_261
    for byte in key.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
    return (0..<dimension).map { Float(Int(hash % 100_003) + $0) * 0.001 }
  }

  static func vector(_ i: Int, prefix: String = "k", dimension: Int = 8) -> [Float] {
    vector(prefix + String(i), dimension: dimension)
  }
}

/// Log lines a store sent.
final class LogRecorder: Sendable {
  let lines = Mutex<[String]>([])
  var sink: @Sendable (String) -> Void { { line in self.lines.withLock { $0.append(line) } } }
  var all: [String] { lines.withLock { $0 } }
}

extension PersistentStore.Options {
  /// Small segments and no background compaction, so that tests decide when things happen.
  static func testing(capacity: Int = 1 << 24, segmentBytes: Int = 4096) -> Self {
    var options = PersistentStore.Options(capacityBytes: capacity)
    options.segmentBytes = segmentBytes
    options.automaticCompaction = false
    return options
  }
}

/// The store-stress executable, built beside the test bundle (PersistentStoreTests depends on it).
enum StressProcess {
  static let executable: URL = {
    #if os(macOS)
      let products = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }?.bundleURL
        .deletingLastPathComponent()
    #else
      let products: URL? = Bundle.main.executableURL?.deletingLastPathComponent()
    #endif
    let candidates = [
      products?.appendingPathComponent("store-stress"),
      URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/store-stress"),
    ].compactMap { $0 }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
  }()

  /// Runs store-stress to its end (at most `timeout` seconds, then it is killed) and returns its stdout.
  static func run(_ arguments: [String], timeout: Double = 30) throws -> String {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let deadline = DispatchTime.now() + timeout
    let killer = DispatchWorkItem { kill(process.processIdentifier, SIGKILL) }
    DispatchQueue.global().asyncAfter(deadline: deadline, execute: killer)
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    killer.cancel()
    return String(decoding: data, as: UTF8.self)
  }
}
