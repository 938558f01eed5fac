import Foundation

/// Float buffers kept between calls for the multiply's per-chunk scratch (widened half-precision panels,
/// hundreds of kilobytes): allocating them afresh for every chunk of every layer would fault in new pages each
/// time. A buffer is lent to one caller at a time; as many exist as chunks ever ran at once.
///
/// The buffers are mapped pages of their own, not C heap blocks: they live as long as the process, and in the
/// heap each sat among a batch's activations, which then could not reuse the space around it (a bf16 ViT-B/32
/// process peaked 2.4 MB higher at batch 16 with them there, in one pair of runs; the heap's layout alone moves
/// that peak by 5 MB between runs).
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
      lent = Self.mapFloats(floats)
    }
    defer {
      lock.lock()
      idle.append(lent)
      lock.unlock()
    }
    return body(lent.buffer)
  }

  /// Fresh zeroed pages for at least `floats` floats, page aligned, and the floats they hold.
  private static func mapFloats(_ floats: Int) -> (buffer: UnsafeMutablePointer<Float>, capacity: Int) {
    let page = Int(getpagesize())
    let bytes = (floats * MemoryLayout<Float>.stride + page - 1) / page * page
    guard let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
          raw != MAP_FAILED else {
      fatalError("ScratchPool: cannot map \(bytes) bytes of scratch (errno \(errno))")
    }
    let capacity = bytes / MemoryLayout<Float>.stride
    return (raw.bindMemory(to: Float.self, capacity: capacity), capacity)
  }
}
