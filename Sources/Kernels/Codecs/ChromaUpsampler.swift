/// Brings one image component's samples (chroma, typically) to full image resolution, one output row at a time,
/// choosing the method
/// libjpeg-turbo's `jinit_upsampler` chooses with its default fancy upsampling: triangle filters for 2:1
/// horizontal (h2v1), 2:1 vertical (h1v2) and 2:1 both ways (h2v2), box replication for other integral
/// ratios and for components at most 2 samples wide.
public struct ChromaUpsampler: Sendable {
  private enum Method { case fullSize, h2v1Fancy, h1v2Fancy, h2v2Fancy, box(h: Int, v: Int) }

  /// The component's samples after the inverse DCT, rows `stride` apart.
  public let samples: [UInt8]
  public let stride: Int
  /// The component's own size in samples (libjpeg's `downsampled_width/height`).
  public let width: Int, height: Int
  private let method: Method
  /// Output rows per input row.
  private let verticalFactor: Int

  /// A component of `width`×`height` samples, rows `stride` apart, with sampling factors `h`×`v` in an image
  /// whose largest factors are `maxH`×`maxV`.
  ///
  /// - Precondition: sizes >= 1, `samples` holds the rows, every factor >= 1 and divides the largest.
  public init(samples: [UInt8], stride: Int, width: Int, height: Int, h: Int, v: Int, maxH: Int, maxV: Int) {
    precondition(width >= 1 && height >= 1 && stride >= width && samples.count >= stride * height,
                 "ChromaUpsampler: \(width)×\(height), stride \(stride), \(samples.count) samples")
    precondition(h >= 1 && v >= 1 && maxH % h == 0 && maxV % v == 0,
                 "ChromaUpsampler: factors \(h)×\(v) of \(maxH)×\(maxV)")
    self.samples = samples
    self.stride = stride
    self.width = width
    self.height = height
    if h == maxH && v == maxV {
      method = .fullSize
    } else if h * 2 == maxH && v == maxV && width > 2 {
      method = .h2v1Fancy
    } else if h == maxH && v * 2 == maxV {
      method = .h1v2Fancy
    } else if h * 2 == maxH && v * 2 == maxV && width > 2 {
      method = .h2v2Fancy
    } else {
      method = .box(h: maxH / h, v: maxV / v)
    }
    verticalFactor = maxV / v
  }

  /// How many samples `row(_:into:)` writes: the component width times its horizontal expansion, which may
  /// exceed the image width by up to one MCU.
  public var outputWidth: Int {
    switch method {
    case .fullSize, .h1v2Fancy: return width
    case .h2v1Fancy, .h2v2Fancy: return width * 2
    case let .box(h, _): return width * h
    }
  }

  /// Writes output row `y` (in image rows) to `buffer[offset ..< offset + outputWidth]`.
  ///
  /// - Precondition: the output lies in `buffer` and `y / (maxV / v)` is a row of the component.
  public func row(_ y: Int, into buffer: inout [UInt8], at offset: Int) {
    precondition(offset >= 0 && offset + outputWidth <= buffer.count && y >= 0 && y / verticalFactor < height,
                 "ChromaUpsampler: row \(y) at \(offset) of \(buffer.count)")
    buffer.withUnsafeMutableBufferPointer { buffer in
      let out = UnsafeMutableBufferPointer(rebasing: buffer[offset...])
      samples.withUnsafeBufferPointer { samples in row(y, samples: samples, into: out) }
    }
  }

  // The filters below use Int32 with wrapping operators: sums of a few samples times at most 16 cannot
  // overflow and results are at most 255 by construction; indices stay inside the buffers checked by the
  // preconditions of `row(_:into:at:)` and `init`. Without overflow checks the loops run much faster.
  @inline(__always)
  private func row(_ y: Int, samples: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) {
    @inline(__always) func s(_ i: Int) -> Int32 { Int32(truncatingIfNeeded: samples[i]) }
    @inline(__always) func narrow(_ v: Int32) -> UInt8 { UInt8(truncatingIfNeeded: v) }
    switch method {
    case .fullSize:
      let base = y &* stride
      for x in 0..<width { out[x] = samples[base &+ x] }
    case .h2v1Fancy:
      let base = y &* stride
      // Output pixels sit 1/4 and 3/4 of the way between input samples; the rounding bias alternates
      // between 1 and 2 (libjpeg's ordered dither) so that halves do not always round up.
      out[0] = samples[base]
      out[1] = narrow((s(base) &* 3 &+ s(base &+ 1) &+ 2) &>> 2)
      for x in 1..<(width &- 1) {
        let value = s(base &+ x) &* 3
        out[2 &* x] = narrow((value &+ s(base &+ x &- 1) &+ 1) &>> 2)
        out[2 &* x &+ 1] = narrow((value &+ s(base &+ x &+ 1) &+ 2) &>> 2)
      }
      let last = base &+ width &- 1
      out[2 &* width &- 2] = narrow((s(last) &* 3 &+ s(last &- 1) &+ 1) &>> 2)
      out[2 &* width &- 1] = samples[last]
    case .h1v2Fancy:
      let (near, far) = rows(y)
      let bias: Int32 = y & 1 == 0 ? 1 : 2
      for x in 0..<width {
        out[x] = narrow((s(near &+ x) &* 3 &+ s(far &+ x) &+ bias) &>> 2)
      }
    case .h2v2Fancy:
      let (near, far) = rows(y)
      // Column sums weight the nearer row 3/4 and the farther 1/4; the columns then get the same treatment.
      @inline(__always) func column(_ x: Int) -> Int32 { s(near &+ x) &* 3 &+ s(far &+ x) }
      out[0] = narrow((column(0) &* 4 &+ 8) &>> 4)
      out[1] = narrow((column(0) &* 3 &+ column(1) &+ 7) &>> 4)
      for x in 1..<(width &- 1) {
        let this = column(x) &* 3
        out[2 &* x] = narrow((this &+ column(x &- 1) &+ 8) &>> 4)
        out[2 &* x &+ 1] = narrow((this &+ column(x &+ 1) &+ 7) &>> 4)
      }
      out[2 &* width &- 2] = narrow((column(width &- 1) &* 3 &+ column(width &- 2) &+ 8) &>> 4)
      out[2 &* width &- 1] = narrow((column(width &- 1) &* 4 &+ 7) &>> 4)
    case let .box(h, v):
      let base = (y / v) &* stride
      for x in 0..<width {
        let value = samples[base &+ x]
        for i in 0..<h { out[x &* h &+ i] = value }
      }
    }
  }

  /// For vertical 2:1 upsampling: the offsets of the nearest input row and of the next nearest (above for
  /// even output rows, below for odd ones), clamped to the component's rows as libjpeg's context rows are.
  private func rows(_ y: Int) -> (Int, Int) {
    let row = y >> 1
    let other = y & 1 == 0 ? max(row - 1, 0) : min(row + 1, height - 1)
    return (row * stride, other * stride)
  }
}
