import ImageCodecs
import Testing

/// Every BMP (1/4/8-bit palettes, 16-bit 555 and 565, 24, 32 with and without bitfields, core and V4/V5
/// headers, top-down, RLE8, RLE4) decodes to the pixels Pillow's `convert("RGB")` gives.
struct BMPReferenceTests {
  @Test func pixelsMatchPillow() throws {
    let images = try CodecFixtures.images(in: "bmp")
    #expect(images.count >= 15)
    for fixture in images {
      let decoded = try BMP.decode(try CodecFixtures.bytes(fixture.file))
      #expect(decoded.image.width == fixture.width && decoded.image.height == fixture.height, "\(fixture.file)")
      let expected = try CodecFixtures.bytes(fixture.rgb)
      if decoded.image.pixels != expected {
        let first = zip(decoded.image.pixels, expected).enumerated().first { $0.element.0 != $0.element.1 }
        Issue.record("\(fixture.file) (\(fixture.note)): first difference at byte \(first?.offset ?? -1)")
      }
    }
  }
}
