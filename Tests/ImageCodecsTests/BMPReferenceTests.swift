import ImageCodecs
import Testing

/// Every BMP (1/4/8-bit palettes, 16-bit 555 and 565, 24, 32 with and without bitfields, core and V4/V5
/// headers, top-down, RLE8, RLE4) decodes to the pixels Pillow's `convert("RGB")` gives.
@Suite(.timeLimit(.minutes(5))) struct BMPReferenceTests {
  @Test func pixelsMatchPillow() throws {
    let checked = try CodecChecks.expectMatchesPillow("bmp") { try BMP.decode($0) }
    #expect(checked >= 15)
  }
}
