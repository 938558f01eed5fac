import Foundation
import Synchronization

/// Samples a process's resident memory every 20 ms from `/proc/PID/status` (Linux; elsewhere it reports
/// nothing): the peak (`VmHWM`, the kernel's own high-water mark) and the current `VmRSS`.
final class MemoryWatcher: Sendable {
  private struct Readings {
    var peakKiB: Int?
    /// (when, RSS in KiB).
    var samples: [(Date, Int)] = []
    var running = true
  }

  private let pid: Int32
  private let readings = Mutex(Readings())
  private let stopped = DispatchSemaphore(value: 0)

  init(pid: Int32) { self.pid = pid }

  func start() {
    Thread {
      while self.readings.withLock({ $0.running }) {
        if let status = try? String(contentsOfFile: "/proc/\(self.pid)/status", encoding: .utf8) {
          let hwm = MemoryWatcher.kibibytes("VmHWM", in: status), rss = MemoryWatcher.kibibytes("VmRSS", in: status)
          self.readings.withLock { readings in
            if let hwm { readings.peakKiB = max(readings.peakKiB ?? 0, hwm) }
            if let rss { readings.samples.append((Date(), rss)) }
          }
        }
        Thread.sleep(forTimeInterval: 0.02)
      }
      self.stopped.signal()
    }.start()
  }

  func stop() {
    readings.withLock { $0.running = false }
    stopped.wait()
  }

  var peakDescription: String {
    readings.withLock { $0.peakKiB.map { "\($0 / 1024) MiB" } ?? "n/a (no /proc)" }
  }

  /// RSS at the samples a quarter, half, three quarters of the way through the run, and the last one.
  var quartilesDescription: String {
    readings.withLock { readings in
      let samples = readings.samples
      guard !samples.isEmpty else { return "n/a" }
      return [0.25, 0.5, 0.75, 1].map { fraction in
        let index = min(samples.count - 1, Int(Double(samples.count) * fraction))
        return "\(samples[index].1 / 1024)"
      }.joined(separator: "/") + " MiB"
    }
  }

  /// The value in kB of a `Name:   1234 kB` line.
  private static func kibibytes(_ name: String, in status: String) -> Int? {
    guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return nil }
    return line.split(separator: " ").compactMap { Int($0) }.first
  }
}
