// The child process of PersistentStoreTests' crash and concurrency tests, and the store's benchmark.
//
//   store-stress write DIR PREFIX FIRST COUNT DIM SEGMENT_BYTES LOOP
//       inserts keys PREFIX<i> (for each of PREFIX's comma-separated prefixes) for i in FIRST..<FIRST+COUNT (forever, round and round, when LOOP is 1), each with
//       StressData.vector(key, DIM), and after each insert returns writes "<i>\n" to stdout; closes at the end.
//   store-stress readonly DIR          as user nobody when run as root: opens DIR, reads k0..k9, tries an insert
//   store-stress fsize DIR BYTES       with RLIMIT_FSIZE = BYTES: inserts until writes fail, then reads
//   store-stress bench DIR ENTRIES DIM builds a store of ENTRIES records and measures it (see StoreBenchmark)
import Foundation
import PersistentStore
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The vector every writer stores under a key: a function of the key alone (the tests hold a copy).
enum StressData {
  static func vector(_ key: String, dimension: Int) -> [Float] {
    var hash: UInt32 = 2_166_136_261
    for byte in key.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
    return (0..<dimension).map { Float(Int(hash % 100_003) + $0) * 0.001 }
  }
}

func say(_ line: String) {
  let bytes = Array((line + "\n").utf8)
  _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

var lines: [String] = []
let logLines = Mutex<[String]>([])
func recordLog(_ line: String) { logLines.withLock { $0.append(line) } }

let arguments = CommandLine.arguments
switch arguments.count > 1 ? arguments[1] : "" {
case "write" where arguments.count == 9:
  let directory = URL(fileURLWithPath: arguments[2])
  let prefix = arguments[3]
  let first = Int(arguments[4])!, count = Int(arguments[5])!, dimension = Int(arguments[6])!
  var options = PersistentStore.Options(capacityBytes: 1 << 30)
  options.segmentBytes = Int(arguments[7])!
  let store = PersistentStore.open(directory: directory, options: options) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
  let prefixes = prefix.split(separator: ",").map(String.init)
  repeat {
    for i in first..<first + count {
      for prefix in prefixes {
        let key = prefix + String(i)
        store.insert(StressData.vector(key, dimension: dimension), for: Array(key.utf8))
        say(String(i))
      }
    }
  } while arguments[8] == "1"
  store.close()

case "readonly" where arguments.count == 3:
  if getuid() == 0 {
    guard setgid(65534) == 0, setuid(65534) == 0 else { say("cannot drop privileges"); exit(2) }
  }
  let store = PersistentStore.open(directory: URL(fileURLWithPath: arguments[2]), capacityBytes: 1 << 20) {
    recordLog($0)
  }
  var found = 0
  for i in 0..<10 {
    let key = "k" + String(i)
    if store.vector(for: Array(key.utf8)) == StressData.vector(key, dimension: 8) { found += 1 }
  }
  store.insert([1, 2, 3], for: Array("new".utf8))
  store.insert([1, 2, 3], for: Array("new2".utf8))
  let statistics = store.statistics()
  let logged = logLines.withLock { $0 }
  say("found=\(found) writable=\(statistics.writable) ioErrors=\(statistics.ioErrors) logs=\(logged.count) new=\(store.vector(for: Array("new".utf8)) != nil)")

case "fsize" where arguments.count == 4:
  signal(SIGXFSZ, SIG_IGN)
  var limit = rlimit(rlim_cur: rlim_t(arguments[3])!, rlim_max: rlim_t(arguments[3])!)
  guard setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limit) == 0 else { say("setrlimit failed"); exit(2) }
  var options = PersistentStore.Options(capacityBytes: 1 << 30)
  options.segmentBytes = 1 << 30
  let store = PersistentStore.open(directory: URL(fileURLWithPath: arguments[2]), options: options) { recordLog($0) }
  for i in 0..<2000 {
    let key = "k" + String(i)
    store.insert(StressData.vector(key, dimension: 64), for: Array(key.utf8))
  }
  var found = 0
  for i in 0..<2000 {
    let key = "k" + String(i)
    if let vector = store.vector(for: Array(key.utf8)) {
      guard vector == StressData.vector(key, dimension: 64) else { say("wrong vector for \(key)"); exit(1) }
      found += 1
    }
  }
  let statistics = store.statistics()
  say("found=\(found) ioErrors=\(statistics.ioErrors) logs=\(logLines.withLock { $0.count }) writable=\(statistics.writable)")

case "bench" where arguments.count == 5:
  let report = StoreBenchmark.run(
    directory: URL(fileURLWithPath: arguments[2]), entries: Int(arguments[3])!, dimension: Int(arguments[4])!,
    log: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
  print(report.description)

default:
  FileHandle.standardError.write(Data("usage: see Tests/StoreStress/main.swift\n".utf8))
  exit(2)
}
