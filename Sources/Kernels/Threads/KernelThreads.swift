import Dispatch
import Foundation
import Synchronization

/// How many threads the kernels may use.
///
/// The matrix multiply, batched attention and layer norm split their work into pieces run on at most `count`
/// threads: the caller's and `WorkerPool`'s (or Dispatch's when the pool is busy with another call). Results
/// do not depend on the thread count: every output element is computed by the same instructions in the same
/// order whichever thread computes it.
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

/// Runs `body(item)` for every item in `0 ..< items` on at most `threads` threads (the caller's among them).
/// Items are handed out in order as threads free up, so a thread slowed by other processes takes fewer.
func parallelFor(items: Int, threads: Int, _ body: (Int) -> Void) {
  let threads = min(threads, items)
  if threads <= 1 {
    for item in 0..<items { body(item) }
    return
  }
  if WorkerPool.shared.run(items: items, helpers: threads - 1, body) { return }
  // The pool is serving another call (concurrent embeddings, or a job calling back in): Dispatch's threads.
  let queue = WorkQueue(items: items)
  withoutActuallyEscaping(body) { body in
    // concurrentPerform returns only after every iteration has, so `body` outlives none of its calls; the
    // kernels' bodies write disjoint parts of their outputs.
    nonisolated(unsafe) let body = body
    DispatchQueue.concurrentPerform(iterations: threads) { _ in
      while let item = queue.next() { body(item) }
    }
  }
}

/// The next unclaimed item, shared by the threads of one `parallelFor`.
private final class WorkQueue: Sendable {
  private let claimed = Mutex(0)
  private let items: Int

  init(items: Int) { self.items = items }

  func next() -> Int? {
    claimed.withLock { claimed in
      guard claimed < items else { return nil }
      claimed += 1
      return claimed - 1
    }
  }
}
