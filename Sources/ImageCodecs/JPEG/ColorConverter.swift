import Kernels

/// The colour transform of a frame's components, decided as libjpeg-turbo's `default_decompress_parms`
/// decides it, and the conversion to RGB as Pillow then does it.
enum JPEGColorSpace: Equatable {
  case gray, yCbCr, rgb
  /// Four components stored as they are. Pillow reads every 4-component JPEG as Adobe-inverted CMYK
  /// ("CMYK;I"), whatever the markers say.
  case cmyk
  /// YCbCr plus K (Adobe transform 2), converted to CMYK by libjpeg, then inverted by Pillow.
  case ycck

  init(componentIDs ids: [Int], sawJFIF: Bool, adobeTransform: Int?) {
    switch ids.count {
    case 1:
      self = .gray
    case 3:
      if sawJFIF {
        self = .yCbCr
      } else if let adobeTransform {
        self = adobeTransform == 0 ? .rgb : .yCbCr
      } else if ids == [82, 71, 66] {  // 'R', 'G', 'B'
        self = .rgb
      } else {
        self = .yCbCr
      }
    default:
      self = adobeTransform.map { $0 == 0 ? .cmyk : .ycck } ?? .cmyk
    }
  }
}

extension JPEGColorSpace {
  /// The row conversion that gives Pillow's RGB pixels for this colour space.
  var rowConversion: RowColorConversion {
    switch self {
    case .gray: return .gray
    case .yCbCr: return .yCbCr
    case .rgb: return .rgb
    case .cmyk: return .invertedCMYK
    case .ycck: return .yccK
    }
  }
}
