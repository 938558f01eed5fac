import Foundation
import Hub
import JSONRPC

/// `$/progress` notifications of the model's download, for a client that asked for them with
/// `initialize {capabilities: {progress: true}}`.
///
/// Downloads start when the worker starts, usually before `initialize` is read, so reports are kept (the
/// latest per file) and a client that subscribes late first gets the latest report of every file seen so
/// far, then the live ones. Subscribing happens before `initialize` waits for the model, so every
/// notification precedes `initialize`'s result. Live reports are thinned to one per file per
/// `interval`, keeping each file's first and last.
final class ProgressNotifier: Sendable {
  /// The `token` of download notifications (a later kind of progress would get its own).
  static let downloadToken = "download"

  private struct State {
    var subscribed = false
    /// File names in the order first seen, with the latest report and when one was last sent.
    var order: [String] = []
    var latest: [String: DownloadProgress] = [:]
    var lastSent: [String: Date] = [:]
  }

  private let state = Locked(State())
  private let send: @Sendable (JSONValue) -> Void
  private let interval: TimeInterval

  /// - Parameter send: writes one notification (a complete JSON-RPC message).
  init(interval: TimeInterval = 0.1, send: @escaping @Sendable (JSONValue) -> Void) {
    self.interval = interval
    self.send = send
  }

  /// Records a report; sends it if a client subscribed and it is not thinned out.
  func report(_ progress: DownloadProgress) {
    let now = Date()
    let due: Bool = state.withLock { state in
      if state.latest[progress.file] == nil { state.order.append(progress.file) }
      state.latest[progress.file] = progress
      guard state.subscribed else { return false }
      let finished = progress.bytesDone == progress.bytesTotal
      if !finished, let last = state.lastSent[progress.file], now.timeIntervalSince(last) < interval { return false }
      state.lastSent[progress.file] = now
      return true
    }
    if due { send(Self.notification(progress)) }
  }

  /// Sends `$/progress` with `params` if a client subscribed: the progress of work other than the download
  /// (`index`), which its caller thins itself.
  func notify(_ params: JSONValue) {
    guard state.withLock({ $0.subscribed }) else { return }
    send(["jsonrpc": "2.0", "method": "$/progress", "params": params])
  }

  /// Subscribes the client (once; later calls do nothing) and sends the latest report of every file so far.
  ///
  /// The catch-up is sent while holding the lock, so a live report cannot overtake it.
  func subscribe() {
    state.withLock { state in
      guard !state.subscribed else { return }
      state.subscribed = true
      let now = Date()
      for file in state.order {
        guard let progress = state.latest[file] else { continue }
        state.lastSent[file] = now
        send(Self.notification(progress))
      }
    }
  }

  /// `{"jsonrpc": "2.0", "method": "$/progress", "params": {token, file, bytesDone, bytesTotal}}`;
  /// `bytesTotal` is null when the server did not announce the size.
  static func notification(_ progress: DownloadProgress) -> JSONValue {
    [
      "jsonrpc": "2.0", "method": "$/progress",
      "params": [
        "token": .string(downloadToken), "file": .string(progress.file),
        "bytesDone": JSONValue(Int(progress.bytesDone)),
        "bytesTotal": progress.bytesTotal.map { JSONValue(Int($0)) } ?? .null,
      ],
    ]
  }
}
