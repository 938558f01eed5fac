import Foundation
import Synchronization

/// Worker threads that stay awake for a moment between calls, so that the short multiplies of a batch-1 image or
/// a few labels (M = 50 rows, well under a millisecond each) get their second core at once.
///
/// Waking a parked thread (Dispatch's, or a condition wait) takes tens of microseconds, a large share of a
/// 0.2 ms call: with `concurrentPerform` such calls gained ~1.3x from the second thread. Here a worker that
/// finishes a call polls for the next one for `spinNanoseconds` (the gaps between the layers' multiplies are
/// shorter than that), then parks on a condition variable, so an idle process uses no CPU.
///
/// One call at a time uses the pool; a call made while it is busy (another thread embedding concurrently, or a
/// call from inside a job) gets `false` from `run` and goes to Dispatch instead.
final class WorkerPool: @unchecked Sendable {
  static let shared = WorkerPool()
  /// How long an idle worker polls before parking.
  static let spinNanoseconds: UInt64 = 100_000

  // Everything below is guarded by `condition`'s lock.
  private let condition = NSCondition()
  private var workers = 0
  private var busy = false
  /// Incremented for every job; a worker joins a job whose generation it has not seen.
  private var generation = 0
  private var job: ((Int) -> Void)?
  private var items = 0
  private var claimed = 0
  /// Workers that may still join the current job.
  private var openSlots = 0
  /// Workers inside the current job.
  private var running = 0
  /// Threads parked on `condition` (idle workers, or the caller waiting for `running` to reach 0).
  private var sleepers = 0
  /// Copies of `generation` and `running`, written under the lock and polled without it while spinning: a
  /// poller that took the lock in a tight loop would push the threads doing the work into futex waits. A poll
  /// only decides when to look again under the lock, so a stale value costs a few nanoseconds, never a wrong
  /// decision.
  private let generationHint = Atomic<Int>(0)
  private let runningHint = Atomic<Int>(0)

  private init() {}

  private func publish() {
    generationHint.store(generation, ordering: .releasing)
    runningHint.store(running, ordering: .releasing)
  }

  /// Runs `body(item)` for every item in `0 ..< items` on the calling thread and up to `helpers` workers, items
  /// handed out in order as threads free up. Returns false, running nothing, when the pool is busy.
  func run(items: Int, helpers: Int, _ body: (Int) -> Void) -> Bool {
    condition.lock()
    if busy {
      condition.unlock()
      return false
    }
    busy = true
    while workers < helpers {
      let seen = generation
      let thread = Thread { self.work(seen: seen) }
      thread.name = "clip-kernels"
      thread.start()
      workers += 1
    }
    withoutActuallyEscaping(body) { body in
      job = body
      self.items = items
      claimed = 0
      openSlots = helpers
      generation &+= 1
      publish()
      if sleepers > 0 { condition.broadcast() }
      condition.unlock()
      while let item = claim() { body(item) }
      condition.lock()
      // Workers that have not woken yet are not waited for: the items are done.
      openSlots = 0
      if running > 0 {
        condition.unlock()
        spin { runningHint.load(ordering: .acquiring) == 0 }
        condition.lock()
        while running > 0 {
          sleepers += 1
          condition.wait()
          sleepers -= 1
        }
      }
      job = nil
    }
    busy = false
    condition.unlock()
    return true
  }

  /// The next unclaimed item of the current job.
  private func claim() -> Int? {
    condition.lock()
    defer { condition.unlock() }
    guard claimed < items else { return nil }
    claimed += 1
    return claimed - 1
  }

  /// Polls `done` (on the hints, without the lock) for up to `spinNanoseconds`.
  private func spin(until done: () -> Bool) {
    let deadline = DispatchTime.now().uptimeNanoseconds + Self.spinNanoseconds
    while DispatchTime.now().uptimeNanoseconds < deadline {
      if done() { return }
    }
  }

  /// A worker's life: join each new job while it has open slots, poll between jobs, park when idle.
  private func work(seen initial: Int) {
    var seen = initial
    condition.lock()
    while true {
      if generation != seen {
        seen = generation
        if openSlots > 0, let job {
          openSlots -= 1
          running += 1
          publish()
          condition.unlock()
          while let item = claim() { job(item) }
          condition.lock()
          running -= 1
          publish()
          if running == 0 && sleepers > 0 { condition.broadcast() }
        }
        continue
      }
      condition.unlock()
      spin { generationHint.load(ordering: .acquiring) != seen }
      condition.lock()
      if generation == seen {
        sleepers += 1
        condition.wait()
        sleepers -= 1
      }
    }
  }
}
