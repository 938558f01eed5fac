import Foundation

/// A fresh directory under the system's temporary directory, removed when the value is released.
final class TemporaryDirectory {
  let url: URL

  init() throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent("TokenizerTests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  func write(_ name: String, _ contents: String) throws {
    try contents.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8)
  }

  deinit {
    try? FileManager.default.removeItem(at: url)
  }
}
