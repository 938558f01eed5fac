import Foundation

/// A value guarded by a lock, for state shared between the reader thread, the compute thread and tasks.
/// Critical sections are short and never await. Public for the executable, which hands a one-shot result from
/// its task to the waiting main thread.
public final class Locked<Value>: @unchecked Sendable {
  private let lock = NSLock()
  private var value: Value

  public init(_ value: Value) { self.value = value }

  public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
    lock.lock()
    defer { lock.unlock() }
    return try body(&value)
  }
}
