/// A `preprocessor_config.json` that the CLIP image processor refuses, found once when the processor is
/// created rather than on the first image.
public enum ImageProcessorConfigurationError: Error, Equatable, CustomStringConvertible {
  /// A size dictionary with keys other than `{height, width}` or `{shortest_edge}` (transformers knows
  /// more forms, such as `{shortest_edge, longest_edge}`, that CLIP checkpoints do not use).
  case unsupportedSizeKeys(parameter: String, keys: [String])
  /// A size list that is not `[height, width]`.
  case invalidSizeList(parameter: String, values: [Int])
  /// A size that is zero or negative.
  case nonPositiveSize(parameter: String, value: Int)
  /// `crop_size` given as a shortest edge while `do_center_crop` is true; a crop needs a height and width.
  case cropSizeNeedsHeightAndWidth(ImageSize)
  /// A `resample` value outside Pillow's filters 0 (nearest) to 5 (hamming).
  case unsupportedResample(Int)
  /// `image_mean` or `image_std` given as a list whose length is not 3.
  case wrongChannelCount(parameter: String, count: Int)
  /// A rescale factor, mean or standard deviation that is not finite, or a zero standard deviation.
  case invalidNumber(parameter: String, value: Double)
  /// A field set to `null` although an enabled step needs it (transformers fails the same way).
  case missingValue(String)
  /// An option whose effect the processor does not implement, set to a value that would change the output.
  case unsupportedOption(String)
  /// A configuration whose output size depends on the image (no center crop and a shortest-edge or no
  /// resize); the CLIP vision model needs one fixed input size.
  case outputSizeDependsOnImage

  public var description: String {
    switch self {
    case let .unsupportedSizeKeys(parameter, keys):
      return "\(parameter) has keys \(keys); supported are [height, width] and [shortest_edge]"
    case let .invalidSizeList(parameter, values):
      return "\(parameter) list \(values) is not [height, width]"
    case let .nonPositiveSize(parameter, value):
      return "\(parameter) has a non-positive length \(value)"
    case let .cropSizeNeedsHeightAndWidth(size):
      return "crop_size \(size) must give a height and a width when do_center_crop is true"
    case let .unsupportedResample(value):
      return "resample \(value) is not a Pillow filter (0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming)"
    case let .wrongChannelCount(parameter, count):
      return "\(parameter) has \(count) values; expected one number or 3"
    case let .invalidNumber(parameter, value):
      return "\(parameter) has the invalid value \(value)"
    case let .missingValue(name):
      return "\(name) is null but the step that uses it is enabled"
    case let .unsupportedOption(name):
      return "option \(name) is not supported"
    case .outputSizeDependsOnImage:
      return "without a center crop the size must be {height, width}: the output size would depend on the image"
    }
  }
}
