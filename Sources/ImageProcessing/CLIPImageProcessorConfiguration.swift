/// The fields of a `preprocessor_config.json` that transformers' `CLIPImageProcessor` reads, with the
/// class defaults that apply when a field is absent. Other fields (`feature_extractor_type`,
/// `processor_class`, ...) are ignored.
public struct CLIPImageProcessorConfiguration: Decodable, Equatable, Sendable {
  public var doResize = true
  public var size = ImageSize.shortestEdge(224)
  public var resample = ResamplingFilter.bicubic
  public var doCenterCrop = true
  public var cropSize = ImageSize.exact(height: 224, width: 224)
  public var doRescale = true
  /// Python's `1 / 255`.
  public var rescaleFactor = 1.0 / 255.0
  public var doNormalize = true
  /// OpenAI CLIP's per-channel mean (transformers' `OPENAI_CLIP_MEAN`).
  public var imageMean = [0.48145466, 0.4578275, 0.40821073]
  /// OpenAI CLIP's per-channel standard deviation (transformers' `OPENAI_CLIP_STD`).
  public var imageStd = [0.26862954, 0.26130258, 0.27577711]
  /// Accepted for fidelity; images reach the processor already as RGB, so it changes nothing here.
  public var doConvertRGB = true
  /// How a bare integer `size` is read: a square when true, a shortest edge when false (CLIP's default).
  public var defaultToSquare = false

  enum CodingKeys: String, CodingKey {
    case doResize = "do_resize", size, resample, doCenterCrop = "do_center_crop", cropSize = "crop_size"
    case doRescale = "do_rescale", rescaleFactor = "rescale_factor"
    case doNormalize = "do_normalize", imageMean = "image_mean", imageStd = "image_std"
    case doConvertRGB = "do_convert_rgb", defaultToSquare = "default_to_square"
    case doPad = "do_pad", useSquareSize = "use_square_size"
  }

  /// The defaults of transformers' `CLIPImageProcessor` (those of openai/clip-vit-base-patch32).
  public init() {}

  /// The defaults of transformers' `SiglipImageProcessor`: a straight resize to 224×224 (no aspect kept, no crop),
  /// bicubic, mean and standard deviation 0.5 (`IMAGENET_STANDARD_MEAN` / `_STD`).
  public static let siglip: Self = {
    var defaults = Self()
    defaults.size = .exact(height: 224, width: 224)
    defaults.doCenterCrop = false
    defaults.imageMean = [0.5, 0.5, 0.5]
    defaults.imageStd = [0.5, 0.5, 0.5]
    return defaults
  }()

  /// `valueTable[channel * 256 + byte]`: the value of `byte` in `channel` after rescale and normalize, as numpy
  /// computes it (`Float(Double(byte) * rescale_factor)`, then `(x - Float(mean)) / Float(std)` in float32).
  var valueTable: [Float] {
    var table = [Float](repeating: 0, count: 3 * 256)
    for channel in 0..<3 {
      let mean = Float(imageMean[channel]), std = Float(imageStd[channel])
      for byte in 0..<256 {
        var value = doRescale ? Float(Double(byte) * rescaleFactor) : Float(byte)
        if doNormalize { value = (value - mean) / std }
        table[channel * 256 + byte] = value
      }
    }
    return table
  }

  /// Where a decoder finds the defaults of the processor class being read (`CLIPImageProcessor`'s when absent).
  public static let defaultsKey = CodingUserInfoKey(rawValue: "clip-worker.imageProcessorDefaults")!

  public init(from decoder: Decoder) throws {
    try self.init(decoder, defaults: decoder.userInfo[Self.defaultsKey] as? Self ?? Self())
  }

  /// The fields of `decoder`'s object, absent ones taking `defaults` (another processor class's, as NaFlex's).
  init(_ decoder: Decoder, defaults: Self) throws {
    self = defaults
    let c = try decoder.container(keyedBy: CodingKeys.self)
    // transformers gives an absent field the class default but keeps an explicit `null` as None: a null
    // switch is false, and a null value that an enabled step needs is an error (see `missing` below).
    func field<T: Decodable>(_ key: CodingKeys, _ defaultValue: T) throws -> T? {
      c.contains(key) ? try c.decodeIfPresent(T.self, forKey: key) : defaultValue
    }
    doResize = try field(.doResize, doResize) ?? false
    doCenterCrop = try field(.doCenterCrop, doCenterCrop) ?? false
    doRescale = try field(.doRescale, doRescale) ?? false
    doNormalize = try field(.doNormalize, doNormalize) ?? false
    doConvertRGB = try field(.doConvertRGB, doConvertRGB) ?? false
    defaultToSquare = try field(.defaultToSquare, defaultToSquare) ?? false

    func missing(_ key: CodingKeys) -> ImageProcessorConfigurationError { .missingValue(key.rawValue) }
    if c.contains(.size) {
      if let raw = try c.decodeIfPresent(ImageSize.Raw.self, forKey: .size) {
        size = try ImageSize(raw, parameter: "size", defaultToSquare: defaultToSquare)
      } else if doResize {
        throw missing(.size)
      }
    }
    if c.contains(.cropSize) {
      // transformers always reads an integer crop_size as a square.
      if let raw = try c.decodeIfPresent(ImageSize.Raw.self, forKey: .cropSize) {
        cropSize = try ImageSize(raw, parameter: "crop_size", defaultToSquare: true)
      } else if doCenterCrop {
        throw missing(.cropSize)
      }
    }
    if let number = try field(.resample, resample.rawValue) {
      guard let filter = ResamplingFilter(rawValue: number) else {
        throw ImageProcessorConfigurationError.unsupportedResample(number)
      }
      resample = filter
    } else if doResize {
      throw missing(.resample)
    }
    if let factor = try field(.rescaleFactor, rescaleFactor) {
      rescaleFactor = factor
    } else if doRescale {
      throw missing(.rescaleFactor)
    }
    for (key, path) in [(CodingKeys.imageMean, \Self.imageMean), (.imageStd, \Self.imageStd)] {
      if let values = try field(key, ChannelValues(values: self[keyPath: path])) {
        self[keyPath: path] = values.values
      } else if doNormalize {
        throw missing(key)
      }
    }
    // Padding to a batch size and KOSMOS-2's square-size switch would change the output; refuse them.
    if try c.decodeIfPresent(Bool.self, forKey: .doPad) == true {
      throw ImageProcessorConfigurationError.unsupportedOption("do_pad")
    }
    if try c.decodeIfPresent(Bool.self, forKey: .useSquareSize) == true {
      throw ImageProcessorConfigurationError.unsupportedOption("use_square_size")
    }
  }

  /// Throws unless the processor can run this configuration; `CLIPImageProcessor.init` calls it.
  public func validate() throws {
    for (parameter, imageSize) in [("size", size), ("crop_size", cropSize)] {
      for length in imageSize.lengths where length <= 0 {
        throw ImageProcessorConfigurationError.nonPositiveSize(parameter: parameter, value: length)
      }
    }
    if doCenterCrop, case .shortestEdge = cropSize {
      throw ImageProcessorConfigurationError.cropSizeNeedsHeightAndWidth(cropSize)
    }
    if !doCenterCrop {
      guard doResize, case .exact = size else { throw ImageProcessorConfigurationError.outputSizeDependsOnImage }
    }
    try validateSteps()
  }

  /// Throws unless the rescale and normalize values are usable (what every processor built on these steps checks).
  func validateSteps() throws {
    guard rescaleFactor.isFinite else {
      throw ImageProcessorConfigurationError.invalidNumber(parameter: "rescale_factor", value: rescaleFactor)
    }
    for (parameter, values) in [("image_mean", imageMean), ("image_std", imageStd)] {
      guard values.count == 3 else {
        throw ImageProcessorConfigurationError.wrongChannelCount(parameter: parameter, count: values.count)
      }
      for v in values where !v.isFinite || (parameter == "image_std" && v == 0) {
        throw ImageProcessorConfigurationError.invalidNumber(parameter: parameter, value: v)
      }
    }
  }
}

/// `image_mean` / `image_std`: one number for all channels or a list with one per channel (transformers
/// broadcasts a bare number but rejects a list of any other length).
private struct ChannelValues: Decodable {
  var values: [Double]

  init(values: [Double]) { self.values = values }

  init(from decoder: Decoder) throws {
    let container = try decoder.singleValueContainer()
    if let single = try? container.decode(Double.self) {
      values = [single, single, single]
    } else {
      values = try container.decode([Double].self)
    }
  }
}
