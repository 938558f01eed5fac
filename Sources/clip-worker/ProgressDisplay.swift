import Foundation
import Hub
import Synchronization
import Worker

/// Shows the model's download on stderr for the operator: a bar redrawn in place (`\r`) when stderr is a
/// terminal, else a log line at info level when a file starts, every `logInterval` seconds, and when it
/// completes — a log file should not get thousands of lines for one download.
final class ProgressDisplay: Sendable {
  private let terminal: Bool
  private let logger: Logger
  private let write: @Sendable (String) -> Void
  /// When each file's progress was last shown.
  private let lastShown = Mutex<[String: Date]>([:])
  private let redrawInterval: TimeInterval = 0.1
  private let logInterval: TimeInterval = 5

  /// - Parameters:
  ///   - terminal: whether stderr is a terminal (`isatty`).
  ///   - write: writes text to stderr as is (no newline added).
  init(terminal: Bool, logger: Logger, write: @escaping @Sendable (String) -> Void) {
    self.terminal = terminal
    self.logger = logger
    self.write = write
  }

  func show(_ progress: DownloadProgress) {
    let finished = progress.bytesDone == progress.bytesTotal
    let now = Date()
    let interval = terminal ? redrawInterval : logInterval
    let due: Bool = lastShown.withLock { lastShown in
      let first = lastShown[progress.file] == nil
      guard first || finished || now.timeIntervalSince(lastShown[progress.file]!) >= interval else { return false }
      lastShown[progress.file] = now
      return true
    }
    guard due else { return }
    if terminal {
      // Only the info level and below show the bar, as they would show the log lines.
      guard logger.level >= .info else { return }
      write("\r" + progress.barLine() + (finished ? "\n" : ""))
    } else {
      logger.log(.info, "downloading " + progress.barLine(width: 20))
    }
  }
}
