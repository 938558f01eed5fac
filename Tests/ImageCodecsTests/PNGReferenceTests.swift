import ImageCodecs
import Testing

/// Every PNG (all color types and bit depths, Adam7, each filter, PngSuite, Pillow-written) decodes to exactly
/// the pixels Pillow's `convert("RGB")` gives (high byte for 16-bit grey, see the fixture script), with the EXIF
/// payload Pillow's `getexif()` reads.
struct PNGReferenceTests {
  @Test func pixelsMatchPillow() throws {
    let images = try CodecFixtures.images(in: "png")
    #expect(images.count >= 70)
    for fixture in images {
      let decoded = try PNG.decode(try CodecFixtures.bytes(fixture.file))
      #expect(decoded.image.width == fixture.width && decoded.image.height == fixture.height, "\(fixture.file)")
      let expected = try CodecFixtures.bytes(fixture.rgb)
      if decoded.image.pixels != expected {
        let first = zip(decoded.image.pixels, expected).enumerated().first { $0.element.0 != $0.element.1 }
        Issue.record("\(fixture.file) (\(fixture.note)): first difference at byte \(first?.offset ?? -1)")
      }
      #expect(try decoded.exif == fixture.exif.map(CodecFixtures.bytes), "\(fixture.file): EXIF")
    }
  }

  @Test func pngSuiteIsCovered() throws {
    let suite = try CodecFixtures.images(in: "png").filter { $0.file.hasPrefix("png/pngsuite_") }
    #expect(suite.count == 28)
  }
}
