import Synchronization

/// A value guarded by a `Mutex`, in a reference that closures can share (a `Mutex` itself cannot be copied
/// into one). For state shared between the reader thread, the compute thread and tasks; critical sections are
/// short and never await. Public for the executable, which hands a one-shot result from its task to the
/// waiting main thread.
public final class Locked<Value>: Sendable {
  private let mutex: Mutex<Value>

  public init(_ value: sending Value) { mutex = Mutex(value) }

  public func withLock<Result>(_ body: (inout sending Value) throws -> sending Result) rethrows -> sending Result {
    try mutex.withLock(body)
  }
}
