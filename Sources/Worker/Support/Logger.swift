/// Diagnostics for the operator, written by a sink the executable provides (stderr); never to the protocol
/// stream.
public struct Logger: Sendable {
  /// Severity, from most to least severe; a logger shows its level and those above it.
  public enum Level: Int, Comparable, CaseIterable, Sendable {
    case error, warning, info, debug

    /// The level named on the command line: error, warning (or warn), info, debug.
    public init?(name: String) {
      switch name.lowercased() {
      case "error": self = .error
      case "warning", "warn": self = .warning
      case "info": self = .info
      case "debug": self = .debug
      default: return nil
      }
    }

    public var name: String { ["error", "warning", "info", "debug"][rawValue] }

    public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
  }

  public var level: Level
  private let sink: @Sendable (String) -> Void

  public init(level: Level, sink: @escaping @Sendable (String) -> Void) {
    self.level = level
    self.sink = sink
  }

  /// A logger that drops everything.
  public static let silent = Logger(level: .error) { _ in }

  public func log(_ level: Level, _ message: @autoclosure () -> String) {
    guard level <= self.level else { return }
    sink("clip-worker: \(level.name): \(message())")
  }
}
