import Foundation
import ImageCodecs
import Kernels

/// transformers' `CLIPImageProcessor` with the Pillow backend (`CLIPImageProcessorPil`, what
/// `AutoImageProcessor` and the zero-shot pipeline use when torchvision is absent), reproduced step for step
/// and in the same precision:
///
/// 1. resize with Pillow (`PIL.Image.resize`, no `reducing_gap`) to the `size` rule of transformers;
/// 2. center crop at offset ⌊(resized − crop) / 2⌋, padding with zero bytes where the crop is larger;
/// 3. rescale: `Float(Double(byte) * rescale_factor)` (numpy multiplies in float64, then casts);
/// 4. normalize: `(x - Float(mean)) / Float(std)` in float32;
/// 5. channel-first layout.
///
/// Steps 3 to 5 depend only on the byte and its channel, so they are a lookup table built once. Only the
/// pixels that survive the crop are resampled, which gives the same bytes as Pillow's full resize.
public struct CLIPImageProcessor: Sendable {
  public let configuration: CLIPImageProcessorConfiguration
  /// Width of every output image.
  public let outputWidth: Int
  /// Height of every output image.
  public let outputHeight: Int
  /// `valueTable[channel * 256 + byte]`: the output value of `byte` in `channel` after rescale and normalize.
  private let valueTable: [Float]

  /// - Throws: `ImageProcessorConfigurationError` when `configuration.validate()` does.
  public init(configuration: CLIPImageProcessorConfiguration) throws {
    try configuration.validate()
    self.configuration = configuration
    switch (configuration.doCenterCrop, configuration.cropSize, configuration.size) {
    case let (true, .exact(height, width), _), let (false, _, .exact(height, width)):
      outputHeight = height
      outputWidth = width
    default:
      preconditionFailure("validate() admits only configurations with a fixed output size")
    }
    valueTable = configuration.valueTable
  }

  /// Reads and validates a `preprocessor_config.json`, absent fields taking `defaults` (the processor class's:
  /// `CLIPImageProcessor`'s unless given, `.siglip` for `SiglipImageProcessor`).
  ///
  /// - Throws: file errors, `DecodingError`, `ImageProcessorConfigurationError`.
  public init(contentsOf url: URL, defaults: CLIPImageProcessorConfiguration = .init()) throws {
    let data = try Data(contentsOf: url)
    let decoder = JSONDecoder()
    decoder.userInfo[CLIPImageProcessorConfiguration.defaultsKey] = defaults
    try self.init(configuration: decoder.decode(CLIPImageProcessorConfiguration.self, from: data))
  }

  /// The size transformers resizes a `width`×`height` image to before cropping.
  public func resizedSize(width: Int, height: Int) -> (width: Int, height: Int) {
    guard configuration.doResize else { return (width, height) }
    switch configuration.size {
    case let .exact(h, w):
      return (w, h)
    case let .shortestEdge(edge):
      // transformers' get_resize_output_image_size: int(edge * long / short), a truncated float64 quotient.
      let (short, long) = width <= height ? (width, height) : (height, width)
      let newLong = Int(Double(edge * long) / Double(short))
      return width <= height ? (edge, newLong) : (newLong, edge)
    }
  }

  /// The pixel tensor of `image`: `3 × outputHeight × outputWidth` float32 values, channel-first,
  /// row-major, as transformers' `pixel_values[0]`.
  public func callAsFunction(_ image: RGBImage) -> [Float] {
    let resized = resizedSize(width: image.width, height: image.height)
    // Position of the output's top-left pixel in the resized image; `>> 1` is Python's floor division by
    // 2, also for the negative offsets of a crop larger than the image (then the image lands at the
    // ceiling of half the padding, as transformers pads).
    let top = configuration.doCenterCrop ? (resized.height - outputHeight) >> 1 : 0
    let left = configuration.doCenterCrop ? (resized.width - outputWidth) >> 1 : 0
    let rows = max(0, top)..<min(resized.height, top + outputHeight)
    let columns = max(0, left)..<min(resized.width, left + outputWidth)
    let window = configuration.doResize
      ? resampleWindow(image, width: resized.width, height: resized.height, filter: configuration.resample,
                       columns: columns, rows: rows)
      : RowSource(image).columns(columns).copy(rows: rows)

    let plane = outputHeight * outputWidth
    var output = [Float](repeating: 0, count: 3 * plane)
    if rows.count < outputHeight || columns.count < outputWidth {
      for channel in 0..<3 {
        let padding = valueTable[channel * 256]
        for i in channel * plane..<(channel + 1) * plane { output[i] = padding }
      }
    }
    deinterleaveRGB8(window, width: columns.count, rows: rows.count, tables: valueTable, into: &output,
                     outputStart: (rows.lowerBound - top) * outputWidth + (columns.lowerBound - left),
                     outputRowStride: outputWidth, planeStride: plane)
    return output
  }
}
