import Foundation

/// Float buffers kept between calls for the multiply's per-chunk scratch (widened half-precision panels,
/// hundreds of kilobytes): allocating them afresh for every chunk of every layer would fault in new pages each
/// time. A buffer is lent to one caller at a time; as many exist as chunks ever ran at once.
final class ScratchPool: @unchecked Sendable {
  static let shared = ScratchPool()

  private let lock = NSLock()
  /// Idle buffers and their capacities in floats.
  private var idle: [(buffer: UnsafeMutablePointer<Float>, capacity: Int)] = []

  /// Runs `body` with a buffer of at least `floats` floats (64-byte aligned; contents undefined); with 0
  /// floats, with a dangling pointer that must not be read.
  func withBuffer<R>(floats: Int, _ body: (UnsafeMutablePointer<Float>) -> R) -> R {
    guard floats > 0 else { return body(UnsafeMutablePointer(bitPattern: MemoryLayout<Float>.alignment)!) }
    var lent: (buffer: UnsafeMutablePointer<Float>, capacity: Int)
    lock.lock()
    if let index = idle.lastIndex(where: { $0.capacity >= floats }) {
      lent = idle.remove(at: index)
      lock.unlock()
    } else {
      lock.unlock()
      lent = (allocateFloats(floats), floats)
    }
    defer {
      lock.lock()
      idle.append(lent)
      lock.unlock()
    }
    return body(lent.buffer)
  }
}
