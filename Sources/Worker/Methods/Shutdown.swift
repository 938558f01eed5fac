import JSONRPC

/// `shutdown`: answers null once every request received before it has been answered; every request after
/// it fails with `shuttingDown`, and the `exit` notification that should follow ends the process with
/// code 0. The server marks the shutdown as soon as it reads the line, so requests behind it on the input
/// are refused in order, and starts it after the calls in flight (see `Server.start`).
struct Shutdown: Method {
  static let name = "shutdown"
  static func run(_ params: NoParams, in context: WorkerContext) async throws -> JSONValue { .null }
}
