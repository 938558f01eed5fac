import Foundation

/// This process's resident memory, for the benchmarks' memory figures.
enum ProcessMemory {
  /// The peak resident set size in bytes: `VmHWM` of /proc/self/status on Linux, `ru_maxrss` elsewhere.
  static var peakBytes: Int {
    #if os(Linux)
    if let kilobytes = statusField("VmHWM") { return kilobytes * 1024 }
    #endif
    var usage = rusage()
    // Linux reports kilobytes, Darwin bytes.
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss) * 1024
    #else
    getrusage(RUSAGE_SELF, &usage)
    return Int(usage.ru_maxrss)
    #endif
  }

  /// The current resident set size in bytes (`VmRSS`); the peak where the current figure is not available.
  static var residentBytes: Int {
    #if os(Linux)
    if let kilobytes = statusField("VmRSS") { return kilobytes * 1024 }
    #endif
    return peakBytes
  }

  #if os(Linux)
  /// A `Name:   1234 kB` line of /proc/self/status, in kilobytes.
  private static func statusField(_ name: String) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
      return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
    }
    return nil
  }
  #endif
}
