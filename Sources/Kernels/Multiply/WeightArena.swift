import Foundation

/// Memory for one model's packed weights: a few large regions, huge-page aligned and advised on Linux, that the
/// layers take consecutive slices of.
///
/// Allocated layer by layer, each layer's panels ended in a partial huge page left to 4 kB pages: 15% of a ViT-B/32
/// vision layer's weights, 45% of a text layer's (the weights of 768 × 768 and 512 × 512 layers are a little over
/// one huge page, or under one). At batch 1 the weights stream from memory once per image, and with every panel on
/// huge pages a ViT-B/32 image took 0.5-0.8% less time (paired runs in one process). Regions are never zeroed or
/// touched beyond what the layers write, so the unused end of a region costs address space, not memory.
///
/// Thread-safe; the memory lives as long as the arena, which every panel taken from it keeps alive.
public final class WeightArena: @unchecked Sendable {
  /// Size of a region, unless one layer needs more.
  static let regionBytes = 64 << 20

  private let lock = NSLock()
  private var regions: [UnsafeMutableRawPointer] = []
  private var next: UnsafeMutableRawPointer?
  private var remaining = 0

  /// An empty arena; regions are allocated as layers ask for memory.
  public init() {}

  /// `byteCount` bytes of uninitialized, 64-byte aligned memory, valid while the arena lives.
  func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
    let size = (max(1, byteCount) + 63) / 64 * 64
    return lock.withLock {
      if size > remaining {
        let hugePage = PackedPanels.hugePage
        let regionSize = max(Self.regionBytes, (size + hugePage - 1) / hugePage * hugePage)
        let region = PackedPanels.allocateStorage(byteCount: regionSize)
        regions.append(region)
        (next, remaining) = (region, regionSize)
      }
      let start = next!
      (next, remaining) = (start + size, remaining - size)
      return start
    }
  }

  deinit { regions.forEach { $0.deallocate() } }
}
