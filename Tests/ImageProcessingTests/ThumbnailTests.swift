import ImageCodecs
import ImageProcessing
import Testing

/// Thumbnails keep the aspect ratio, fit the long side, are never enlarged, and are the resizer's pixels.
@Suite struct ThumbnailTests {
  @Test func sizes() {
    #expect(thumbnailSize(width: 640, height: 480, longSide: 160) == (160, 120))
    #expect(thumbnailSize(width: 480, height: 640, longSide: 160) == (120, 160))
    #expect(thumbnailSize(width: 1000, height: 1, longSide: 160) == (160, 1))
    #expect(thumbnailSize(width: 333, height: 500, longSide: 160) == (107, 160))  // 106.56 rounds up
    #expect(thumbnailSize(width: 64, height: 64, longSide: 160) == (64, 64))
    #expect(thumbnailSize(width: 36, height: 20, longSide: 16) == (16, 9))  // 8.89
  }

  @Test func pixelsAreTheResizersAndSmallImagesStay() {
    let pixels = (0..<(90 * 40 * 3)).map { UInt8(truncatingIfNeeded: $0 &* 37) }
    let image = RGBImage(width: 90, height: 40, pixels: pixels)
    let small = thumbnail(image, longSide: 30)
    #expect(small == resize(image, width: 30, height: 13, filter: .bicubic))
    #expect(thumbnail(image, longSide: 90) == image)
  }
}
