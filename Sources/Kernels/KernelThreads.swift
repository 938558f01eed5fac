import Dispatch
import Foundation

/// How many threads the kernels may use.
///
/// The matrix multiply, batched attention and the other kernels split their work into at most `count` pieces
/// and run them with `DispatchQueue.concurrentPerform`. Results do not depend on the thread count: every
/// output element is computed by the same instructions in the same order whichever thread computes it.
public enum KernelThreads {
  private static let lock = NSLock()
  nonisolated(unsafe) private static var storedCount = ProcessInfo.processInfo.activeProcessorCount
  @TaskLocal private static var scopedCount: Int?

  /// The process-wide thread count; defaults to the number of active processors.
  ///
  /// - Precondition: set to a value of at least 1.
  public static var count: Int {
    get {
      if let scopedCount { return scopedCount }
      lock.lock()
      defer { lock.unlock() }
      return storedCount
    }
    set {
      precondition(newValue >= 1, "KernelThreads.count must be at least 1, not \(newValue)")
      lock.lock()
      defer { lock.unlock() }
      storedCount = newValue
    }
  }

  /// Runs `body` with `count` overridden for the current task (or thread) only; other tasks are unaffected.
  public static func withCount<R>(_ count: Int, _ body: () throws -> R) rethrows -> R {
    precondition(count >= 1, "KernelThreads.withCount needs at least 1 thread, not \(count)")
    return try $scopedCount.withValue(count, operation: body)
  }
}

/// Runs `body(0 ..< count)` on up to `count` threads; the caller's thread takes part.
@inline(__always)
func parallelFor(_ count: Int, _ body: (Int) -> Void) {
  if count == 1 {
    body(0)
  } else if count > 1 {
    DispatchQueue.concurrentPerform(iterations: count, execute: body)
  }
}
