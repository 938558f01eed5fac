import Kernels

/// A JPEG decoder whose pixels are those Pillow gives for `Image.open(f).convert("RGB")`: libjpeg-turbo's
/// default decoding (accurate integer IDCT, fancy upsampling, fixed-point YCbCr→RGB) followed by Pillow's
/// own conversions (grayscale replicated, 4-component images read as Adobe-inverted CMYK and converted with
/// Pillow's CMYK formula).
///
/// Supported: baseline and extended (SOF0, SOF1) and progressive (SOF2) Huffman-coded 8-bit frames with
/// 1, 3 or 4 components, any integral sampling factors, restart intervals, JFIF and Adobe APP14 colour
/// transforms. Not supported (throws `JPEGError.unsupported`): arithmetic coding, lossless and hierarchical
/// frames, 12-bit samples (Pillow refuses 12-bit too; it does decode arithmetic coding).
///
/// A progressive file whose scans end (at EOI) before the low-frequency coefficients are complete gets
/// libjpeg's block smoothing, as in Pillow. Known difference from Pillow, on damaged files only: where
/// libjpeg-turbo warns and guesses (undefined Huffman codes, coefficient runs past the block end, restart
/// markers out of sequence), this decoder throws a `JPEGError`.
public enum JPEG {
  /// Decodes a whole JPEG file. The image is returned in stored orientation, with the EXIF payload (the
  /// TIFF data of the `Exif\0\0` APP1 segments) and the XMP packet, from which `DecodedImage.orientation`
  /// reads the orientation `ImageOps.exif_transpose` applies.
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
    let smoothing = BlockSmoothing(
      frame: frame, quantTables: parser.componentQuantTables, coefficientBits: parser.coefficientBits,
      previousBits: parser.previousCoefficientBits, scanCount: parser.scanCount,
      lastGoodIMCURow: parser.lastGoodIMCURow)
    let image = render(frame: frame, coefficients: parser.coefficients,
                       quantTables: parser.componentQuantTables, space: space, smoothing: smoothing)
    return DecodedImage(image: image, exif: parser.exif, xmp: parser.xmp)
  }

  /// Block smoothing when it applies, inverse DCT of every component, upsampling and colour conversion.
  private static func render(
    frame: JPEGFrame, coefficients: [Int16], quantTables: [[Int]?], space: JPEGColorSpace,
    smoothing: BlockSmoothing?
  ) -> RGBImage {
    var upsamplers: [ChromaUpsampler] = []
    for (index, component) in frame.components.enumerated() {
      // Only the blocks that hold image samples are transformed; upsampling never reads past them.
      let blocksX = component.usedBlocksPerLine, blocksY = component.usedBlocksPerColumn
      let stride = blocksX * 8
      var samples = [UInt8](repeating: 0, count: stride * blocksY * 8)
      let quant = quantTables[index] ?? [Int](repeating: 0, count: 64)
      let smoothed = smoothing?.smooth(coefficients, component: component, index: index, frame: frame, quant: quant)
      integerInverseDCT(
        smoothed ?? coefficients, start: component.coefficientOffset, blocksPerLine: component.blocksPerLine,
        blocksX: blocksX, blocksY: blocksY, quantization: quant, into: &samples)
      upsamplers.append(ChromaUpsampler(
        samples: samples, stride: stride, width: component.width, height: component.height,
        h: component.h, v: component.v, maxH: frame.maxH, maxV: frame.maxV))
    }
    // One row buffer holds the current output row of every component, `rowStride` apart.
    let rowStride = upsamplers.map(\.outputWidth).reduce(frame.width, max)
    var rowBuffer = [UInt8](repeating: 0, count: rowStride * upsamplers.count)
    var pixels = [UInt8](repeating: 0, count: frame.width * frame.height * 3)
    let conversion = space.rowConversion
    for y in 0..<frame.height {
      for i in upsamplers.indices { upsamplers[i].row(y, into: &rowBuffer, at: i * rowStride) }
      convertRowToRGB(conversion, rows: rowBuffer, rowStride: rowStride, width: frame.width, into: &pixels,
                      at: y * frame.width * 3)
    }
    return RGBImage(width: frame.width, height: frame.height, pixels: pixels)
  }
}
