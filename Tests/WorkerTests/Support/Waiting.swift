import Foundation

/// A wait that gave up: the condition it waited for never held.
struct WaitTimeout: Error, CustomStringConvertible {
  var waitingFor: String
  var description: String { "timed out waiting for \(waitingFor)" }
}

/// Polls `condition` every millisecond until it holds; throws `WaitTimeout` after `seconds`, so that a bug fails
/// the test instead of hanging the run. The limit only detects hangs: generous, as suites run in parallel on a
/// 2-core machine.
func waitUntil(_ what: String, seconds: Double = 60, _ condition: () throws -> Bool) async throws {
  let deadline = Date().addingTimeInterval(seconds)
  while try !condition() {
    guard Date() < deadline else { throw WaitTimeout(waitingFor: what) }
    try await Task.sleep(nanoseconds: 1_000_000)
  }
}
