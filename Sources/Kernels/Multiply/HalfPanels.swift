/// `PackedPanels`' layout with 16-bit float elements (binary16 or bfloat16): the weights of a half-precision
/// checkpoint kept at their stored size. The matrix multiply widens one block of panels at a time into per-thread
/// scratch (exactly: every half is a `Float`), so results are bit for bit those of the same weights widened at load
/// time, in half the memory.
///
/// Element `B[k, j]` lives at `panel(j / 16)[k * 16 + j % 16]`, as in `PackedPanels`; the last panel is padded
/// with zeros. Immutable once built, shared across threads.
final class HalfPanels: @unchecked Sendable {
  /// Rows of `B` (the multiply's inner dimension).
  let depth: Int
  /// Columns of `B` (the output width).
  let width: Int
  /// How the halves encode floats.
  let format: HalfFormat
  /// The panels, `PackedPanels.panelCount(width) * depth * 16` halves (host byte order).
  let storage: UnsafeMutablePointer<UInt16>
  /// Where `storage` comes from, if not from its own allocation.
  private let arena: WeightArena?

  /// Allocates the panels (from `arena` when given) and lets `fill` write every one of their halves, padding
  /// included.
  init(depth: Int, width: Int, format: HalfFormat, arena: WeightArena? = nil,
       fill: (UnsafeMutablePointer<UInt16>) -> Void) {
    self.depth = depth
    self.width = width
    self.format = format
    self.arena = arena
    let total = PackedPanels.panelCount(width) * depth * PackedPanels.panelWidth
    storage = PackedPanels.allocatePanels(total, of: UInt16.self, arena: arena)
    if total == 0 { storage.initialize(to: 0) } else { fill(storage) }
  }

  deinit { if arena == nil { storage.deallocate() } }

  /// The first of `depth * 16` halves of panel `index`.
  @inline(__always)
  func panel(_ index: Int) -> UnsafePointer<UInt16> {
    UnsafePointer(storage + index * depth * PackedPanels.panelWidth)
  }

  /// `B[k, j]`, widened, for tests and the reference loops.
  func element(_ k: Int, _ j: Int) -> Float {
    precondition(k >= 0 && k < depth && j >= 0 && j < width, "HalfPanels: [\(k), \(j)] outside \(depth)×\(width)")
    let w = PackedPanels.panelWidth
    var value: Float = 0
    widenHalves(storage + (j / w) * depth * w + k * w + j % w, count: 1, format: format, into: &value)
    return value
  }
}

/// A `HalfPanels` seen through a raw pointer, as `PanelsView` sees `PackedPanels`.
struct HalfPanelsView {
  var base: UnsafePointer<UInt16>
  var depth: Int
  var width: Int
  var format: HalfFormat

  @inline(__always)
  func panel(_ index: Int) -> UnsafePointer<UInt16> { base + index * depth * PackedPanels.panelWidth }
}
