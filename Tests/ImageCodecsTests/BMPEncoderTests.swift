import ImageCodecs
import Testing

/// `BMP.encode` (the HTML reports' thumbnails) writes files our decoder reads back to the same pixels, at every row
/// padding (widths 1 through 8) and in both orientations of the aspect ratio.
@Suite struct BMPEncoderTests {
  @Test(arguments: [(1, 1), (2, 3), (3, 2), (4, 1), (5, 7), (6, 6), (7, 2), (8, 5), (160, 90)])
  func roundTrip(width: Int, height: Int) throws {
    var state: UInt32 = UInt32(width * 7919 + height)
    let pixels = (0..<(width * height * 3)).map { _ -> UInt8 in
      state = state &* 1_664_525 &+ 1_013_904_223
      return UInt8(truncatingIfNeeded: state >> 24)
    }
    let image = RGBImage(width: width, height: height, pixels: pixels)
    let bytes = BMP.encode(image)
    let rowBytes = (width * 3 + 3) / 4 * 4
    #expect(bytes.count == 54 + rowBytes * height)
    #expect(Array(bytes.prefix(2)) == [0x42, 0x4D])
    #expect(ImageFormat(sniffing: bytes) == .bmp)
    let decoded = try BMP.decode(bytes)
    #expect(decoded.image == image)
    #expect(try decodeImage(bytes) == image)
  }
}
