/// Brings one component's samples to full image resolution, one output row at a time, choosing the method
/// libjpeg-turbo's `jinit_upsampler` chooses with its default fancy upsampling: triangle filters for 2:1
/// horizontal (h2v1), 2:1 vertical (h1v2) and 2:1 both ways (h2v2), box replication for other integral
/// ratios and for components at most 2 samples wide.
struct Upsampler {
  private enum Method { case fullSize, h2v1Fancy, h1v2Fancy, h2v2Fancy, box(h: Int, v: Int) }

  /// The component's samples after the inverse DCT, rows `stride` apart.
  let samples: [UInt8]
  let stride: Int
  /// The component's own size in samples (libjpeg's `downsampled_width/height`).
  let width: Int, height: Int
  private let method: Method

  init(samples: [UInt8], stride: Int, component: JPEGComponent, frame: JPEGFrame) {
    self.samples = samples
    self.stride = stride
    width = component.width
    height = component.height
    let (h, v, maxH, maxV) = (component.h, component.v, frame.maxH, frame.maxV)
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
  }

  /// How many samples `row(_:into:)` writes: the component width times its horizontal expansion, which may
  /// exceed the image width by up to one MCU.
  var outputWidth: Int {
    switch method {
    case .fullSize, .h1v2Fancy: return width
    case .h2v1Fancy, .h2v2Fancy: return width * 2
    case let .box(h, _): return width * h
    }
  }

  /// Writes output row `y` (in image rows) to `out[0..<outputWidth]`.
  func row(_ y: Int, into out: inout [UInt8]) {
    switch method {
    case .fullSize:
      let base = y * stride
      for x in 0..<width { out[x] = samples[base + x] }
    case .h2v1Fancy:
      let base = y * stride
      // Output pixels sit 1/4 and 3/4 of the way between input samples; the rounding bias alternates
      // between 1 and 2 (libjpeg's ordered dither) so that halves do not always round up.
      var value = Int(samples[base])
      out[0] = UInt8(value)
      out[1] = UInt8((value * 3 + Int(samples[base + 1]) + 2) >> 2)
      for x in 1..<(width - 1) {
        value = Int(samples[base + x]) * 3
        out[2 * x] = UInt8((value + Int(samples[base + x - 1]) + 1) >> 2)
        out[2 * x + 1] = UInt8((value + Int(samples[base + x + 1]) + 2) >> 2)
      }
      value = Int(samples[base + width - 1])
      out[2 * width - 2] = UInt8((value * 3 + Int(samples[base + width - 2]) + 1) >> 2)
      out[2 * width - 1] = UInt8(value)
    case .h1v2Fancy:
      let (near, far) = rows(y)
      let bias = y & 1 == 0 ? 1 : 2
      for x in 0..<width {
        out[x] = UInt8((Int(samples[near + x]) * 3 + Int(samples[far + x]) + bias) >> 2)
      }
    case .h2v2Fancy:
      let (near, far) = rows(y)
      // Column sums weight the nearer row 3/4 and the farther 1/4; the columns then get the same treatment.
      var this = Int(samples[near]) * 3 + Int(samples[far])
      var next = Int(samples[near + 1]) * 3 + Int(samples[far + 1])
      out[0] = UInt8((this * 4 + 8) >> 4)
      out[1] = UInt8((this * 3 + next + 7) >> 4)
      var last = this
      this = next
      for x in 1..<(width - 1) {
        next = Int(samples[near + x + 1]) * 3 + Int(samples[far + x + 1])
        out[2 * x] = UInt8((this * 3 + last + 8) >> 4)
        out[2 * x + 1] = UInt8((this * 3 + next + 7) >> 4)
        last = this
        this = next
      }
      out[2 * width - 2] = UInt8((this * 3 + last + 8) >> 4)
      out[2 * width - 1] = UInt8((this * 4 + 7) >> 4)
    case let .box(h, v):
      let base = (y / v) * stride
      for x in 0..<width {
        let value = samples[base + x]
        for i in 0..<h { out[x * h + i] = value }
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
