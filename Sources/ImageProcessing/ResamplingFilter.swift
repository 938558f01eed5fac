import Foundation

/// A Pillow resampling filter, numbered as `PIL.Image.Resampling` and as the `resample` field of
/// `preprocessor_config.json` (transformers accepts 0 through 5).
public enum ResamplingFilter: Int, Sendable, CaseIterable, CustomStringConvertible {
  case nearest = 0
  case lanczos = 1
  case bilinear = 2
  case bicubic = 3
  case box = 4
  case hamming = 5

  public var description: String {
    switch self {
    case .nearest: return "nearest"
    case .lanczos: return "lanczos"
    case .bilinear: return "bilinear"
    case .bicubic: return "bicubic"
    case .box: return "box"
    case .hamming: return "hamming"
    }
  }

  /// Half-width of the kernel at scale 1, in input pixels (Pillow's `filter.support`). Nearest has no
  /// kernel: Pillow resizes it with an affine nearest-neighbour transform instead of convolution.
  var support: Double {
    switch self {
    case .nearest: return 0
    case .box: return 0.5
    case .bilinear, .hamming: return 1
    case .bicubic: return 2
    case .lanczos: return 3
    }
  }

  /// The kernel value at `x`, in double precision with Pillow's exact expressions and comparison
  /// boundaries (a boundary on the wrong side changes which taps get weight and hence the 8-bit result).
  func weight(_ x: Double) -> Double {
    switch self {
    case .nearest:
      preconditionFailure("nearest is not a convolution filter")
    case .box:
      return x > -0.5 && x <= 0.5 ? 1 : 0
    case .bilinear:
      let x = abs(x)
      return x < 1 ? 1 - x : 0
    case .hamming:
      let x = abs(x)
      if x == 0 { return 1 }
      if x >= 1 { return 0 }
      let px = x * Double.pi
      // Pillow writes the window constants as C `float` literals (0.54f, 0.46f), widened to double.
      return sin(px) / px * (Double(Float(0.54)) + Double(Float(0.46)) * cos(px))
    case .bicubic:
      // Keys' cubic convolution with a = -0.5, evaluated in Pillow's operation order.
      let a = -0.5
      let x = abs(x)
      if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
      if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
      return 0
    case .lanczos:
      // Sinc windowed by a sinc three times wider, truncated to [-3, 3).
      return -3 <= x && x < 3 ? Self.sinc(x) * Self.sinc(x / 3) : 0
    }
  }

  private static func sinc(_ x: Double) -> Double {
    if x == 0 { return 1 }
    let px = x * Double.pi
    return sin(px) / px
  }
}
