import Inflate

/// PNG decoding (ISO/IEC 15948): every color type and bit depth, palettes, Adam7 interlacing, all five filters,
/// with chunk CRCs and the zlib Adler-32 checked. Pixels come out as Pillow's `convert("RGB")` gives them (see
/// `PNGPixels` for the one documented difference, 16-bit grey).
///
/// Differences from Pillow in what is accepted: CRCs are checked on every chunk (Pillow skips those after the
/// image data), the image data must decompress to exactly the size the header implies (Pillow ignores excess
/// data), and a palette image's PLTE must be 3 to 768 bytes, a multiple of 3. Like Pillow, a file that ends after
/// complete image data without IEND is accepted, and unknown chunks are skipped, critical or not.
public enum PNG {
  static let signature: [UInt8] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

  /// Whether `bytes` start with the PNG signature (for choosing a decoder; `decode` checks it again).
  public static func hasSignature(_ bytes: [UInt8]) -> Bool { bytes.starts(with: signature) }

  /// Decodes a PNG file to RGB, with the EXIF payload Pillow's `getexif()` would read (the eXIf chunk, or a
  /// "Raw profile type exif" text chunk as ImageMagick writes it).
  ///
  /// The header's size is checked against `limits` before any pixel buffer is allocated, and decompression
  /// never produces more than the header implies.
  /// - Throws: `PNGError`, or `ImageLimitError` for an image outside `limits`.
  public static func decode(_ bytes: [UInt8], limits: ImageLimits = .init()) throws -> DecodedImage {
    guard hasSignature(bytes) else { throw PNGError.notPNG }
    var reader = PNGChunkReader(bytes)
    let first = try reader.next()
    guard first.type == PNGChunk.IHDR else { throw PNGError.missingHeader(found: first.name) }
    let header = try PNGHeader(bytes, first.data)
    try limits.check(width: header.width, height: header.height)

    var palette: [UInt8]?
    var idat: [UInt8] = []
    var idatState = 0  // 0: none seen, 1: in the IDAT run, 2: run ended
    var exif: [UInt8]?
    var textExif: [UInt8]?
    var truncation: PNGError?
    while true {
      let chunk: PNGChunk
      do {
        chunk = try reader.next()
      } catch PNGError.truncated(let name, let offset) {
        // Pillow reads no further once the image data is complete; a missing IEND or a cut-off trailing
        // chunk is tolerated the same way.
        truncation = PNGError.truncated(chunk: name, offset: offset)
        if idatState == 0 { throw truncation! }
        break
      }
      if chunk.type == PNGChunk.IDAT {
        if idatState == 2 { throw PNGError.imageDataNotContiguous(offset: chunk.offset) }
        if header.colorType == .palette && palette == nil { throw PNGError.missingPalette }
        idatState = 1
        idat.append(contentsOf: bytes[chunk.data])
        continue
      }
      if idatState == 1 { idatState = 2 }
      if chunk.type == PNGChunk.IEND { break }
      switch chunk.type {
      case PNGChunk.PLTE where header.colorType == .palette:
        // Only a palette image's PLTE is read (Pillow ignores the suggested palette of other images).
        guard chunk.data.count % 3 == 0, (3...768).contains(chunk.data.count) else {
          throw PNGError.invalidPalette(length: chunk.data.count)
        }
        palette = Array(bytes[chunk.data])
      case PNGChunk.eXIf:
        exif = Array(bytes[chunk.data])
      case PNGChunk.tEXt, PNGChunk.zTXt:
        if let payload = PNGTextExif.payload(bytes, chunk) { textExif = payload }
      case PNGChunk.IHDR:
        throw PNGError.duplicateHeader(offset: chunk.offset)
      default:
        // Other chunks, ancillary or not, are skipped: Pillow skips unknown critical chunks too.
        continue
      }
    }
    guard idatState > 0 else { throw PNGError.missingImageData }

    let passes = PNGPass.passes(header)
    let size = passes.reduce(0) { $0 + $1.byteCount }
    var data: [UInt8]
    do {
      data = try Zlib.decompress(idat, expectedSize: size)
    } catch let error as InflateError {
      // Image data cut off by the end of the file: say so rather than blame the compressed stream.
      if case .unexpectedEnd = error, let truncation { throw truncation }
      throw PNGError.compressedData(error)
    }

    var fullPalette = [UInt8](repeating: 0, count: 768)
    if let palette { fullPalette.replaceSubrange(0..<palette.count, with: palette) }
    let pixels = PNGPixels(header: header, palette: fullPalette)
    var out = [UInt8](repeating: 0, count: header.width * header.height * 3)
    var row = 0
    for pass in passes where pass.byteCount > 0 {
      try PNGFilter.unfilter(&data, at: pass.start, rows: pass.height, rowBytes: pass.rowBytes,
                             distance: header.filterDistance, firstRow: row)
      row += pass.height
      for y in 0..<pass.height {
        let dst = ((pass.y0 + y * pass.dy) * header.width + pass.x0) * 3
        pixels.expandRow(data, at: pass.start + y * (pass.rowBytes + 1) + 1, count: pass.width, into: &out, at: dst,
                         step: 3 * pass.dx)
      }
    }
    return DecodedImage(image: RGBImage(width: header.width, height: header.height, pixels: out),
                        exif: exif ?? textExif)
  }
}
