#if canImport(Glibc)
import Glibc
#endif

/// The right-hand operand of the matrix multiply, `B` (`depth × width`), packed once into the microkernel's
/// layout: column panels of `panelWidth` (16) columns, each panel stored row after row (`depth` rows of 16
/// contiguous floats), the last panel zero-padded. The microkernel then reads one panel as a single stream.
///
/// Element `B[k, j]` lives at `panel(j / 16)[k * 16 + j % 16]`. The storage is 64-byte aligned and immutable
/// once built, so the panels may be shared across threads.
final class PackedPanels: @unchecked Sendable {
  static let panelWidth = 16
  /// Size and alignment of a transparent huge page (x86-64 and arm64 Linux with 4 kB base pages).
  static let hugePage = 2 << 20
  /// Rows of `B` (the multiply's inner dimension).
  let depth: Int
  /// Columns of `B` (the output width).
  let width: Int
  /// The panels, `panelCount(width) * depth * 16` floats.
  let storage: UnsafeMutablePointer<Float>
  /// Where `storage` comes from, if not from its own allocation.
  private let arena: WeightArena?

  /// Number of panels for `width` columns, `ceil(width / 16)`.
  @inline(__always)
  static func panelCount(_ width: Int) -> Int { (width + panelWidth - 1) / panelWidth }

  var panelCount: Int { Self.panelCount(width) }

  /// Packs `B` given as a strided array: `B[k, j] = source[k * kStride + j * jStride]`.
  ///
  /// With `kStride = width, jStride = 1` this reads a row-major `B`; with `kStride = 1, jStride = depth` it
  /// reads a row-major `Bᵀ` (PyTorch's `[out, in]` weight).
  convenience init(depth: Int, width: Int, source: UnsafeBufferPointer<Float>, kStride: Int, jStride: Int) {
    precondition(depth >= 0 && width >= 0, "PackedPanels: negative shape \(depth)×\(width)")
    precondition(depth == 0 || width == 0 || (depth - 1) * kStride + (width - 1) * jStride < source.count,
                 "PackedPanels: \(source.count) floats cannot hold \(depth)×\(width)")
    self.init(depth: depth, width: width) { storage in
      if let base = source.baseAddress {
        Self.pack(depth: depth, width: width, from: base, kStride: kStride, jStride: jStride, into: storage)
      }
    }
  }

  /// Allocates the panels (from `arena` when given) and lets `fill` write every one of their
  /// `panelCount(width) * depth * 16` floats, padding included. The storage is not zeroed first: at load time
  /// that would be a second pass over hundreds of megabytes that `fill` overwrites anyway.
  init(depth: Int, width: Int, arena: WeightArena? = nil, fill: (UnsafeMutablePointer<Float>) -> Void) {
    self.depth = depth
    self.width = width
    self.arena = arena
    let total = Self.panelCount(width) * depth * Self.panelWidth
    storage = Self.allocatePanels(total, of: Float.self, arena: arena)
    if total == 0 { storage.initialize(to: 0) } else { fill(storage) }
  }

  /// Uninitialized room for `count` panel elements, from `arena` when given, else an allocation of their own
  /// (`allocateStorage`). At least one element, so that the pointer is valid when there are none; nothing reads it.
  static func allocatePanels<Element>(_ count: Int, of type: Element.Type,
                                      arena: WeightArena?) -> UnsafeMutablePointer<Element> {
    let byteCount = max(1, count) * MemoryLayout<Element>.stride
    return (arena?.allocate(byteCount: byteCount) ?? allocateStorage(byteCount: byteCount))
      .bindMemory(to: Element.self, capacity: max(1, count))
  }

  /// Uninitialized memory for a model's panels: cache-line aligned, or huge-page aligned and advised when that
  /// large. A model's weights are hundreds of megabytes of fresh pages: faulting them in 2 MB at a time instead of
  /// 4 kB took the ViT-B/32 load from ~320 to ~230 ms (Linux; advice only, without it the pages are small).
  static func allocateStorage(byteCount: Int) -> UnsafeMutableRawPointer {
    let raw = UnsafeMutableRawPointer.allocate(
      byteCount: byteCount, alignment: byteCount >= hugePage ? hugePage : 64)
    #if os(Linux)
    if byteCount >= hugePage { _ = madvise(raw, byteCount / hugePage * hugePage, MADV_HUGEPAGE) }
    #endif
    return raw
  }

  deinit { if arena == nil { storage.deallocate() } }

  /// Writes the panels of a strided `B` to `destination` (`panelCount(width) * depth * 16` floats), padding
  /// the last panel with zeros. Used at load time and, for attention, on per-thread scratch.
  static func pack(depth: Int, width: Int, from source: UnsafePointer<Float>, kStride: Int, jStride: Int,
                   into destination: UnsafeMutablePointer<Float>) {
    let w = panelWidth
    for panel in 0..<panelCount(width) {
      let columns = min(w, width - panel * w)
      let out = destination + panel * depth * w
      let first = source + panel * w * jStride
      for k in 0..<depth {
        let row = out + k * w
        let input = first + k * kStride
        for c in 0..<columns { row[c] = input[c * jStride] }
        for c in columns..<w { row[c] = 0 }
      }
    }
  }

  /// The first of `depth * 16` floats of panel `index`.
  @inline(__always)
  func panel(_ index: Int) -> UnsafePointer<Float> { UnsafePointer(storage + index * depth * Self.panelWidth) }

  /// `B[k, j]`, for tests and the reference loops.
  func element(_ k: Int, _ j: Int) -> Float {
    precondition(k >= 0 && k < depth && j >= 0 && j < width, "PackedPanels: [\(k), \(j)] outside \(depth)×\(width)")
    let w = Self.panelWidth
    return storage[(j / w) * depth * w + k * w + j % w]
  }
}
