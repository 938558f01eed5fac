import Foundation
import KernelIntrinsics

/// Cache-line aligned (huge-page aligned when large) memory for `count` trivial values, freed with its owner.
final class AlignedStorage<Element>: @unchecked Sendable {
  let pointer: UnsafeMutablePointer<Element>
  let count: Int

  /// Uninitialized: the caller writes every element before any is read.
  init(count: Int) {
    self.count = count
    pointer = PackedPanels.allocateStorage(byteCount: max(1, count) * MemoryLayout<Element>.stride)
      .bindMemory(to: Element.self, capacity: max(1, count))
  }

  deinit { pointer.deallocate() }
}

/// The int8 copy of a search's rows (issue 17's prefilter): each row quantized symmetrically with its own scale,
/// with an upper bound on what the rounding lost.
///
/// Row `i` is `sᵢ · v̂ᵢ + rᵢ` with `sᵢ = max |vᵢ| / 127`, `v̂ᵢ` its integers in [-127, 127] and `eᵢ ≥ ‖rᵢ‖` (computed in
/// `Double` and rounded up). Stored as unsigned bytes `v̂ + 128` in panels of 16 rows (`Int8RowDotKernel`'s layout:
/// per group of 4 depths, 16 rows × 4 bytes), padding rows and depths holding 128 (that is 0) and meeting zero query
/// bytes. A query's sums then carry `128 · Σ q̂`, one number per query, removed before scaling.
///
/// Memory: `groups · 4` bytes per row (the dimension rounded up to 4; 512 bytes at 512 dimensions, a quarter of the
/// F32 row), rows rounded up to 16, plus 8 bytes (scale and bound).
struct QuantizedRows: Sendable {
  static let panelRows = Int8RowDotKernel.panelRows
  /// Above this depth the sums could overflow `Int32` (`groups · 4 · 255 · 127 < 2³¹`).
  static let maximumDimension = 65_536

  let count: Int
  let dimension: Int
  /// Groups of 4 depths.
  let groups: Int
  let panels: AlignedStorage<UInt8>
  let scales: AlignedStorage<Float>
  /// `eᵢ ≥ ‖vᵢ − sᵢ v̂ᵢ‖`.
  let errors: AlignedStorage<Float>
  /// At least every row's L2 norm.
  let maximumNorm: Double
  /// The largest `eᵢ`.
  let maximumError: Double

  var panelCount: Int { (count + Self.panelRows - 1) / Self.panelRows }
  var panelBytes: Int { groups * 64 }
  var bytesPerRow: Int { groups * 4 + 8 }

  /// The quantized copy of `count` rows of `dimension` floats at `rows`, or nil when a value is not finite (such
  /// rows get no bounds) or the dimension is over `maximumDimension`. On up to `threads` threads.
  init?(rows: UnsafePointer<Float>, count: Int, dimension: Int, threads: Int) {
    guard dimension > 0, dimension <= Self.maximumDimension else { return nil }
    self.count = count
    self.dimension = dimension
    groups = (dimension + 3) / 4
    let panelCount = (count + Self.panelRows - 1) / Self.panelRows
    let panelBytes = groups * 64
    panels = AlignedStorage(count: panelCount * panelBytes)
    scales = AlignedStorage(count: count)
    errors = AlignedStorage(count: count)
    // Per block of panels: whether all its values were finite, its largest norm and error.
    let blockPanels = 64
    let blocks = (panelCount + blockPanels - 1) / blockPanels
    let summary = UnsafeMutableBufferPointer<(finite: Bool, norm: Double, error: Double)>.allocate(capacity: blocks)
    defer { summary.deallocate() }
    summary.initialize(repeating: (true, 0, 0))
    let (panels, scales, errors) = (panels.pointer, scales.pointer, errors.pointer)
    parallelFor(items: blocks, threads: count * dimension >= 1 << 18 ? threads : 1) { block in
      var finite = true, largestNorm = 0.0, largestError = 0.0
      for panel in block * blockPanels..<min((block + 1) * blockPanels, panelCount) {
        let out = panels + panel * panelBytes
        out.initialize(repeating: 128, count: panelBytes)
        for lane in 0..<min(Self.panelRows, count - panel * Self.panelRows) {
          let row = panel * Self.panelRows + lane
          guard let (scale, residual, norm) = quantizeRow(rows + row * dimension, dimension, into: out + lane * 4)
          else {
            finite = false
            continue
          }
          scales[row] = scale
          let error = roundedUp(residual.squareRoot())
          errors[row] = error
          largestNorm = max(largestNorm, norm.squareRoot())
          largestError = max(largestError, Double(error))
        }
      }
      summary[block] = (finite, largestNorm, largestError)
    }
    guard summary.allSatisfy(\.finite) else { return nil }
    maximumNorm = Double(roundedUp(summary.map(\.norm).max() ?? 0))
    maximumError = summary.map(\.error).max() ?? 0
  }
}

/// Quantizes the row `v` (`dimension` floats) into its panel, whose row starts at `out` (4 bytes per group of 4
/// depths, groups 64 bytes apart): `q = round(v / s)` (ties to even, clamped to ±127), `s = max |v| / 127` (1 for a
/// zero row), stored as `q + 128`. Returns `s` and upper bounds of `Σ (v - s q)²` and `Σ v²`, or nil when a value is
/// not finite.
///
/// The sums are taken in floats, 8 lanes: each residual `v - s q` is one fused multiply-add (one rounding), squared
/// (one more) and passes through at most `dimension` additions, so the float sum is within `γ_{d+3}` (relative) of
/// the real one and `(1 + 2 (d + 4) u)` times it (`u = 2⁻²⁴`) bounds the real one from above; likewise for `Σ v²`.
@inline(__always)
private func quantizeRow(_ v: UnsafePointer<Float>, _ dimension: Int, into out: UnsafeMutablePointer<UInt8>)
  -> (scale: Float, residual: Double, norm: Double)?
{
  // The magnitudes' bit patterns: ordered as the magnitudes are, infinities and NaNs above every finite one.
  var largest8 = SIMD8<UInt32>()
  var k = 0
  while k + 8 <= dimension {
    let bits = unsafeBitCast(load8(v + k), to: SIMD8<UInt32>.self) & 0x7FFF_FFFF
    largest8.replace(with: bits, where: largest8 .< bits)
    k += 8
  }
  var largestBits: UInt32 = 0
  for lane in 0..<8 { largestBits = max(largestBits, largest8[lane]) }
  for j in k..<dimension { largestBits = max(largestBits, v[j].bitPattern & 0x7FFF_FFFF) }
  guard largestBits < 0x7F80_0000 else { return nil }
  let largest = Float(bitPattern: largestBits)
  let scale: Float = largest > 0 ? largest / 127 : 1
  // Adding 1.5 · 2²³ rounds a float of magnitude <= 127 to an integer (ties to even) in its low bits, as in
  // `Int8Gemm.quantizeRow`: the generic vector conversions go lane by lane.
  let magic = SIMD8<Float>(repeating: 12_582_912), low = SIMD8<Float>(repeating: -127), high = -low
  var residual = SIMD8<Float>(), norm = SIMD8<Float>()
  k = 0
  while k + 8 <= dimension {
    let x = load8(v + k)
    let rounded = vmin(vmax(x / scale, low), high) + magic
    let q = rounded - magic
    let bytes = SIMD8<UInt8>(truncatingIfNeeded: unsafeBitCast(rounded, to: SIMD8<Int32>.self) &- (0x4B40_0000 - 128))
    let words = unsafeBitCast(bytes, to: SIMD2<UInt32>.self)
    UnsafeMutableRawPointer(out + (k / 4) * 64).storeBytes(of: words[0], as: UInt32.self)
    UnsafeMutableRawPointer(out + (k / 4 + 1) * 64).storeBytes(of: words[1], as: UInt32.self)
    let r = x.addingProduct(-scale, q)
    residual = residual.addingProduct(r, r)
    norm = norm.addingProduct(x, x)
    k += 8
  }
  var residualSum = residual.sum(), normSum = norm.sum()
  for j in k..<dimension {
    let q = max(-127, min(127, (v[j] / scale).rounded(.toNearestOrEven)))
    out[(j / 4) * 64 + j % 4] = UInt8(Int(q) + 128)
    let r = v[j].addingProduct(-scale, q)
    residualSum = residualSum.addingProduct(r, r)
    normSum = normSum.addingProduct(v[j], v[j])
  }
  let factor = 1 + 2 * Double(dimension + 4) * 0x1p-24
  return (scale, Double(residualSum) * factor, Double(normSum) * factor)
}

/// `x` (≥ 0, computed in `Double` with a relative error far below 2⁻³⁰) as a float at least as large.
func roundedUp(_ x: Double) -> Float {
  let padded = x * (1 + 0x1p-30)
  let f = Float(padded)
  return Double(f) >= padded ? f : f.nextUp
}

/// A query quantized as the rows are (one scale, integers in [-127, 127]), with the bounds the prefilter needs.
struct QuantizedQuery {
  /// `groups` words of 4 signed bytes (the VNNI kernel's broadcasts).
  var words: [Int32]
  /// The same integers, one per depth (`groups · 4`, zero-padded), for the portable kernel.
  var integers: [Int32]
  /// `128 · Σ q̂`: what the rows' offset of 128 adds to every sum.
  var compensation: Int32
  var scale: Float
  /// At least ‖q‖.
  var norm: Double
  /// At least ‖q − scale · q̂‖.
  var residual: Double

  /// Nil when a value is not finite.
  init?(_ query: [Float], groups: Int) {
    guard query.allSatisfy(\.isFinite) else { return nil }
    let largest = query.reduce(Float(0)) { max($0, abs($1)) }
    scale = largest > 0 ? largest / 127 : 1
    integers = [Int32](repeating: 0, count: groups * 4)
    var residual = 0.0, norm = 0.0, sum: Int32 = 0
    for (k, value) in query.enumerated() {
      let q = max(-127, min(127, (value / scale).rounded(.toNearestOrEven)))
      integers[k] = Int32(q)
      sum += Int32(q)
      let r = Double(value) - Double(scale) * Double(q)
      residual += r * r
      norm += Double(value) * Double(value)
    }
    words = [Int32](repeating: 0, count: groups)
    for group in 0..<groups {
      var word: UInt32 = 0
      for t in 0..<4 { word |= UInt32(UInt8(bitPattern: Int8(integers[group * 4 + t]))) << (8 * t) }
      words[group] = Int32(bitPattern: word)
    }
    compensation = 128 * sum
    self.norm = Double(roundedUp(norm.squareRoot()))
    self.residual = Double(roundedUp(residual.squareRoot()))
  }
}
