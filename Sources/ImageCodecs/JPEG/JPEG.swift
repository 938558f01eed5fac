/// A JPEG decoder whose pixels are those Pillow gives for `Image.open(f).convert("RGB")`: libjpeg-turbo's
/// default decoding (accurate integer IDCT, fancy upsampling, fixed-point YCbCr→RGB) followed by Pillow's
/// own conversions (grayscale replicated, 4-component images read as Adobe-inverted CMYK and converted with
/// Pillow's CMYK formula).
///
/// Supported: baseline and extended (SOF0, SOF1) and progressive (SOF2) Huffman-coded 8-bit frames with
/// 1, 3 or 4 components, any integral sampling factors, restart intervals, JFIF and Adobe APP14 colour
/// transforms. Not supported (throws `JPEGError.unsupported`): arithmetic coding, lossless and hierarchical
/// frames, 12-bit samples.
public enum JPEG {
  /// Decodes a whole JPEG file. The image is returned in stored orientation, with the EXIF payload (the
  /// TIFF data of the `Exif\0\0` APP1 segments) for `EXIFOrientation`.
  ///
  /// - Throws: `ImageLimitError` when the frame header declares an image beyond `limits` (checked before
  ///   any pixel buffer is allocated); `JPEGError` for truncated, corrupt or unsupported data.
  /// - Complexity: O(file size + pixels).
  public static func decode(_ bytes: [UInt8], limits: ImageLimits = .init()) throws -> DecodedImage {
    var parser = JPEGParser(data: bytes, limits: limits)
    try parser.parse()
    guard let frame = parser.frame, parser.scanCount > 0 else { throw JPEGError.noImage }
    let space = JPEGColorSpace(componentIDs: frame.components.map(\.id), sawJFIF: parser.sawJFIF,
                               adobeTransform: parser.adobeTransform)
    let image = render(frame: frame, coefficients: parser.coefficients,
                       quantTables: parser.componentQuantTables, space: space)
    return DecodedImage(image: image, exif: parser.exif)
  }

  /// Inverse DCT of every component, upsampling and colour conversion.
  private static func render(
    frame: JPEGFrame, coefficients: [Int16], quantTables: [[Int]?], space: JPEGColorSpace
  ) -> RGBImage {
    var upsamplers: [Upsampler] = []
    var workspace = [Int](repeating: 0, count: 64)
    for (index, component) in frame.components.enumerated() {
      // Only the blocks that hold image samples are transformed; upsampling never reads past them.
      let blocksX = component.usedBlocksPerLine, blocksY = component.usedBlocksPerColumn
      let stride = blocksX * 8
      var samples = [UInt8](repeating: 0, count: stride * blocksY * 8)
      let quant = quantTables[index] ?? [Int](repeating: 0, count: 64)
      for by in 0..<blocksY {
        for bx in 0..<blocksX {
          let block = component.coefficientOffset + (by * component.blocksPerLine + bx) * 64
          InverseDCT.transform(coefficients, block: block, quant: quant, workspace: &workspace,
                               output: &samples, outputOffset: by * 8 * stride + bx * 8, stride: stride)
        }
      }
      upsamplers.append(Upsampler(samples: samples, stride: stride, component: component, frame: frame))
    }
    var rows = upsamplers.map { [UInt8](repeating: 0, count: max($0.outputWidth, frame.width)) }
    var pixels = [UInt8](repeating: 0, count: frame.width * frame.height * 3)
    for y in 0..<frame.height {
      for i in upsamplers.indices { upsamplers[i].row(y, into: &rows[i]) }
      ColorConverter.convert(space, rows: rows, width: frame.width, into: &pixels, offset: y * frame.width * 3)
    }
    return RGBImage(width: frame.width, height: frame.height, pixels: pixels)
  }
}
