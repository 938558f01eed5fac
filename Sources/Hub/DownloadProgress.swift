import Foundation

/// One progress report while a file downloads: how far, and of how much when the server said.
///
/// The resolver reports; the caller decides how to show it (a bar on a terminal, `$/progress` notifications).
/// Reports for a file start at the bytes already on disk (a resumed download starts above zero) and end with
/// `bytesDone == bytesTotal` once the file is complete.
public struct DownloadProgress: Equatable, Sendable {
  /// The file's path inside the repository, e.g. `model.safetensors`.
  public var file: String
  /// Bytes of the file on disk so far.
  public var bytesDone: Int64
  /// The file's size, when the server announced it.
  public var bytesTotal: Int64?

  public init(file: String, bytesDone: Int64, bytesTotal: Int64?) {
    self.file = file
    self.bytesDone = bytesDone
    self.bytesTotal = bytesTotal
  }
}

extension DownloadProgress {
  /// One line for a terminal progress bar, sizes in MB of 10^6 bytes; without a known total, the bytes so far:
  ///
  ///     model.safetensors  45% [#############                 ] 272.4/605.2 MB The caller writes it (stderr, with `\r` to redraw).
  public func barLine(width: Int = 30) -> String {
    precondition(width > 0, "barLine: width must be positive")
    let megabytes = { (bytes: Int64) in String(format: "%.1f", Double(bytes) / 1_000_000) }
    guard let total = bytesTotal, total > 0 else { return "\(file) \(megabytes(bytesDone)) MB" }
    let fraction = min(1, max(0, Double(bytesDone) / Double(total)))
    let filled = Int((fraction * Double(width)).rounded(.down))
    let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
    let percent = String(Int((fraction * 100).rounded(.down))).leftPadded(to: 3)
    return "\(file) \(percent)% [\(bar)] \(megabytes(bytesDone))/\(megabytes(total)) MB"
  }
}

private extension String {
  func leftPadded(to width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
