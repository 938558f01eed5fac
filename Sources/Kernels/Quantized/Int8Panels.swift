/// A linear layer's `Wᵀ` quantized to int8, symmetric per output channel, in the int8 kernel's layout.
///
/// Output column `j` has the scale `columnScales[j] = max |W[j, ·]| / 127` and the integers
/// `q = round(W[j, k] / scale)` (to nearest, ties to even) in [-127, 127], so `W[j, k] ≈ q · scale`. The columns are
/// cut into halves of 16, one after the other (padded with zero columns to whole 32-column panels, plus one zero
/// half); a half holds, for each group of 4 depths, 16 columns of 4 consecutive depths (64 bytes), the depth padded
/// to a multiple of 4 with zeros: the operand order of `vpdpbusd`, one 64-byte load per group. A tile reads two
/// consecutive halves, so a layer restricted to outputs from any multiple of 16 (`LinearWeights.outputs`) is a view
/// of the same panels; the extra half is what the last tile of such a view reads past the panels.
///
/// `compensation[j] = 128 · Σₖ q[k, j]`: the activations enter the kernel as unsigned bytes (their int8 value plus
/// 128), and subtracting it leaves the sums of the signed products. Immutable once built, shared across threads.
final class Int8Panels: @unchecked Sendable {
  static let panelWidth = 32
  /// Columns of a half panel.
  static let halfWidth = 16
  /// Rows of `B` (the multiply's inner dimension, the layer's inputs).
  let depth: Int
  /// Columns of `B` (the outputs).
  let width: Int
  /// Groups of 4 depths, `ceil(depth / 4)`.
  let groups: Int
  /// `halfCount * halfBytes` bytes.
  let storage: UnsafeMutablePointer<Int8>
  /// One per column, padded to `halfCount * 16` (zeros).
  let columnScales: [Float]
  /// One per column, padded to `halfCount * 16` (zeros).
  let compensation: [Int32]
  private let arena: WeightArena?

  static func panelCount(_ width: Int) -> Int { (width + panelWidth - 1) / panelWidth }
  var panelCount: Int { Self.panelCount(width) }
  /// Halves stored: two per panel and one more.
  var halfCount: Int { 2 * panelCount + 1 }
  /// Bytes of one half.
  var halfBytes: Int { groups * 4 * Self.halfWidth }

  /// Quantizes a PyTorch-layout weight: output `o`'s inputs at `weight[o * depth ..< (o + 1) * depth]`.
  ///
  /// - Precondition: `weight.count == width * depth`; `depth <= 65536` (so that no `Int32` sum can overflow:
  ///   255 · 127 · 65536 < 2³¹).
  init(quantizing weight: UnsafeBufferPointer<Float>, width: Int, depth: Int, arena: WeightArena? = nil) {
    precondition(width >= 0 && depth > 0 && depth <= 1 << 16, "Int8Panels: shape [\(width), \(depth)]")
    precondition(weight.count == width * depth, "Int8Panels: \(weight.count) weights for [\(width), \(depth)]")
    self.depth = depth
    self.width = width
    self.arena = arena
    groups = (depth + 3) / 4
    let panels = Self.panelCount(width), w = Self.panelWidth, halves = 2 * panels + 1, halfBytes = groups * 64
    let total = halves * halfBytes
    storage = PackedPanels.allocatePanels(total, of: Int8.self, arena: arena)
    storage.initialize(repeating: 0, count: max(1, total))
    var scales = [Float](repeating: 0, count: halves * 16)
    var sums = [Int32](repeating: 0, count: halves * 16)
    let groups = self.groups, storage = self.storage, source = weight.baseAddress!
    scales.withUnsafeMutableBufferPointer { scales in
      sums.withUnsafeMutableBufferPointer { sums in
        let (scales, sums) = (scales.baseAddress!, sums.baseAddress!)
        // A panel per item, on `KernelThreads.count` threads: a ViT-B/32's weights took ~0.5 s on one.
        parallelFor(items: panels, threads: KernelThreads.count) { panel in
          for j in panel * w ..< min(width, (panel + 1) * w) {
            Self.quantizeColumn(source + j * depth, depth: depth, groups: groups,
                                into: storage + (j / 16) * halfBytes + (j % 16) * 4,
                                scale: scales + j, compensation: sums + j)
          }
        }
      }
    }
    columnScales = scales
    compensation = sums
  }

  /// Quantizes one output's `depth` weights (`scale = max |w| / 127`) into its lane of a half (`out[g * 64 + t]`
  /// for depth `4g + t`), with its compensation, `128 · Σ q`.
  private static func quantizeColumn(_ row: UnsafePointer<Float>, depth: Int, groups: Int,
                                     into out: UnsafeMutablePointer<Int8>, scale: UnsafeMutablePointer<Float>,
                                     compensation: UnsafeMutablePointer<Int32>) {
    var largest: Float = 0
    for k in 0..<depth { largest = max(largest, abs(row[k])) }
    let inverse = largest > 0 ? 127 / largest : 0
    scale.pointee = largest / 127
    var sum: Int32 = 0
    for k in 0..<depth {
      let q = Int8(quantizing: row[k] * inverse)
      out[(k / 4) * 64 + k % 4] = q
      sum += Int32(q)
    }
    compensation.pointee = 128 * sum
  }

  deinit { if arena == nil { storage.deallocate() } }

  /// The integer of `B[k, j]` (for tests and the reference loops).
  func quantized(_ k: Int, _ j: Int) -> Int8 {
    precondition(k >= 0 && k < depth && j >= 0 && j < width, "Int8Panels: [\(k), \(j)] outside \(depth)×\(width)")
    return storage[(j / 16) * halfBytes + (k / 4) * 64 + (j % 16) * 4 + k % 4]
  }

  /// `B[k, j]` as the kernel sees it, `q · scale`.
  func element(_ k: Int, _ j: Int) -> Float { Float(quantized(k, j)) * columnScales[j] }
}

extension Int8 {
  /// `value` rounded to the nearest integer (ties to even) and clamped to [-127, 127]; NaN gives 0.
  @inline(__always)
  package init(quantizing value: Float) {
    let rounded = value.rounded(.toNearestOrEven)
    self = rounded.isNaN ? 0 : Int8(Swift.max(-127, Swift.min(127, rounded)))
  }
}
