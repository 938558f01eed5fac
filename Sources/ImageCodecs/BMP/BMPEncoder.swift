extension BMP {
  /// `image` as an uncompressed 24-bit BMP (BITMAPINFOHEADER, bottom-up rows of B G R padded to 4 bytes, 2835
  /// pixels per metre = 72 dpi): the simplest file every browser shows, used for the thumbnails of the HTML reports.
  /// `decode` reads it back to the same pixels.
  ///
  /// - Complexity: O(width × height).
  public static func encode(_ image: RGBImage) -> [UInt8] {
    let rowBytes = (image.width * 3 + 3) / 4 * 4
    let pixelBytes = rowBytes * image.height
    let headerBytes = 14 + 40
    var bytes: [UInt8] = []
    bytes.reserveCapacity(headerBytes + pixelBytes)
    func append16(_ value: Int) { bytes += [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
    func append32(_ value: Int) { append16(value & 0xFFFF); append16(value >> 16 & 0xFFFF) }
    // BITMAPFILEHEADER: "BM", file size, two reserved words, offset of the pixels.
    bytes += [0x42, 0x4D]
    append32(headerBytes + pixelBytes)
    append32(0)
    append32(headerBytes)
    // BITMAPINFOHEADER: its size, width, height (positive: bottom-up), 1 plane, 24 bits, BI_RGB, image size,
    // resolution, no palette.
    append32(40)
    append32(image.width)
    append32(image.height)
    append16(1)
    append16(24)
    append32(0)
    append32(pixelBytes)
    append32(2835)
    append32(2835)
    append32(0)
    append32(0)
    let padding = [UInt8](repeating: 0, count: rowBytes - image.width * 3)
    for row in stride(from: image.height - 1, through: 0, by: -1) {
      let start = row * image.width * 3
      for pixel in stride(from: start, to: start + image.width * 3, by: 3) {
        bytes += [image.pixels[pixel + 2], image.pixels[pixel + 1], image.pixels[pixel]]
      }
      bytes += padding
    }
    return bytes
  }
}
