import Foundation

/// The fields of a `preprocessor_config.json` that transformers' `Siglip2ImageProcessor` (SigLIP 2 NaFlex) reads:
/// the resampling filter, rescale and normalize steps as `CLIPImageProcessorConfiguration` reads them (with
/// `Siglip2ImageProcessor`'s defaults: bilinear, mean and standard deviation 0.5), and the patch grid. `size` and the
/// crop fields are not used: the size follows each image.
public struct NaFlexImageProcessorConfiguration: Decodable, Equatable, Sendable {
  /// `resample`, `do_rescale`, `rescale_factor`, `do_normalize`, `image_mean`, `image_std`, `do_resize`.
  public var steps: CLIPImageProcessorConfiguration
  /// The side of a patch, in pixels.
  public var patchSize = 16
  /// The most patches an image may give; the processor pads every image to this many (masked).
  public var maxNumPatches = 256

  enum CodingKeys: String, CodingKey {
    case patchSize = "patch_size", maxNumPatches = "max_num_patches"
  }

  /// `Siglip2ImageProcessor`'s defaults: patches of 16, at most 256, bilinear, mean/std 0.5.
  public init() {
    steps = Self.stepDefaults
  }

  /// The step defaults of `Siglip2ImageProcessor` in the form the CLIP configuration decodes.
  static let stepDefaults: CLIPImageProcessorConfiguration = {
    var defaults = CLIPImageProcessorConfiguration.siglip
    defaults.resample = .bilinear
    return defaults
  }()

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    patchSize = try c.decodeIfPresent(Int.self, forKey: .patchSize) ?? patchSize
    maxNumPatches = try c.decodeIfPresent(Int.self, forKey: .maxNumPatches) ?? maxNumPatches
    steps = try CLIPImageProcessorConfiguration(decoder, defaults: Self.stepDefaults)
  }

  /// Throws unless the processor can run this configuration.
  public func validate() throws {
    for (parameter, value) in [("patch_size", patchSize), ("max_num_patches", maxNumPatches)] where value <= 0 {
      throw ImageProcessorConfigurationError.nonPositiveSize(parameter: parameter, value: value)
    }
    // Without the resize an image's sides need not be multiples of the patch, nor its patches few enough:
    // transformers then fails in its reshape or its padding.
    guard steps.doResize else { throw ImageProcessorConfigurationError.unsupportedOption("do_resize false") }
    try steps.validateSteps()
  }
}
