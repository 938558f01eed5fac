import Foundation
import ImageCodecs

/// An image as SigLIP 2 NaFlex's vision tower takes it: a grid of `rows` × `columns` patches, each flattened.
public struct ImagePatches: Equatable, Sendable {
  /// Patches down the image (`spatial_shapes[0]`).
  public var rows: Int
  /// Patches across the image (`spatial_shapes[1]`).
  public var columns: Int
  /// `rows × columns` patches in row-major order, each `patch × patch × 3` values ordered (y, x, channel): the
  /// real rows of `pixel_values` (transformers pads them with zero rows to `max_num_patches`, masked).
  public var values: [Float]

  public init(rows: Int, columns: Int, values: [Float]) {
    self.rows = rows
    self.columns = columns
    self.values = values
  }

  /// The number of patches.
  public var count: Int { rows * columns }
}

/// transformers' `Siglip2ImageProcessor` with the Pillow backend (`Siglip2ImageProcessorPil`, what
/// `AutoImageProcessor` and the zero-shot pipeline use when torchvision is absent), step for step:
///
/// 1. the size: `get_image_size_for_max_num_patches` (the aspect ratio kept, each side a multiple of the patch,
///    at most `max_num_patches` patches: a binary search of the scale in float64);
/// 2. resize with Pillow (`PIL.Image.resize`) to it, the file's `resample` (bilinear by default);
/// 3. rescale and normalize as `CLIPImageProcessor` (the same float64-then-float32 steps);
/// 4. `convert_image_to_patches`: patches in row-major order, each flattened (y, x, channel).
///
/// The padding to `max_num_patches` and `pixel_attention_mask` are left out: the vision tower attends to the
/// real patches only, which is what the mask does.
public struct NaFlexImageProcessor: Sendable {
  public let configuration: NaFlexImageProcessorConfiguration
  /// `valueTable[channel * 256 + byte]`: the output value of `byte` in `channel` after rescale and normalize.
  private let valueTable: [Float]

  /// - Throws: `ImageProcessorConfigurationError` when `configuration.validate()` does.
  public init(configuration: NaFlexImageProcessorConfiguration) throws {
    try configuration.validate()
    self.configuration = configuration
    valueTable = configuration.steps.valueTable
  }

  /// Reads and validates a `preprocessor_config.json`, absent fields taking `Siglip2ImageProcessor`'s defaults.
  /// - Throws: file errors, `DecodingError`, `ImageProcessorConfigurationError`.
  public init(contentsOf url: URL) throws {
    try self.init(configuration: JSONDecoder().decode(NaFlexImageProcessorConfiguration.self, from: Data(contentsOf: url)))
  }

  /// transformers' `get_image_size_for_max_num_patches(height, width, patch, maxPatches)`: the largest scale (by
  /// bisection of [1e-6, 100] down to 1e-5, in float64 as Python) whose sides, each rounded up to a multiple of
  /// `patch` and at least one patch, give at most `maxPatches` patches.
  ///
  /// - Precondition: every argument is positive.
  public static func targetSize(height: Int, width: Int, patch: Int, maxPatches: Int) -> (height: Int, width: Int) {
    precondition(height > 0 && width > 0 && patch > 0 && maxPatches > 0, "targetSize: \(height)×\(width) \(patch) \(maxPatches)")
    let eps = 1e-5
    func scaled(_ scale: Double, _ size: Int) -> Int {
      let rounded = Int((Double(size) * scale / Double(patch)).rounded(.up)) * patch
      return max(patch, rounded)
    }
    var low = eps / 10, high = 100.0
    while high - low >= eps {
      let scale = (low + high) / 2
      let patches = Double(scaled(scale, height) / patch) * Double(scaled(scale, width) / patch)
      if patches <= Double(maxPatches) { low = scale } else { high = scale }
    }
    return (scaled(low, height), scaled(low, width))
  }

  /// The patches of `image`.
  public func callAsFunction(_ image: RGBImage) -> ImagePatches {
    let patch = configuration.patchSize
    let size = Self.targetSize(height: image.height, width: image.width, patch: patch,
                               maxPatches: configuration.maxNumPatches)
    let resized = resize(image, width: size.width, height: size.height, filter: configuration.steps.resample)
    let rows = size.height / patch, columns = size.width / patch
    var values = [Float](repeating: 0, count: rows * columns * patch * patch * 3)
    let pixels = resized.pixels
    var i = 0
    for row in 0..<rows {
      for column in 0..<columns {
        for y in row * patch ..< (row + 1) * patch {
          let start = (y * size.width + column * patch) * 3
          for source in start ..< start + patch * 3 {
            values[i] = valueTable[(source % 3) * 256 + Int(pixels[source])]  // source % 3: the channel
            i += 1
          }
        }
      }
    }
    return ImagePatches(rows: rows, columns: columns, values: values)
  }
}
