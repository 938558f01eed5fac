import ImageCodecs
import Testing

/// Every PNG (all color types and bit depths, Adam7, each filter, PngSuite, Pillow-written) decodes to exactly
/// the pixels Pillow's `convert("RGB")` gives (high byte for 16-bit grey, see the fixture script), with the EXIF
/// payload Pillow's `getexif()` reads.
@Suite(.timeLimit(.minutes(5))) struct PNGReferenceTests {
  @Test func pixelsMatchPillow() throws {
    let checked = try CodecChecks.expectMatchesPillow("png") { try PNG.decode($0) }
    #expect(checked >= 70)
  }

  @Test func pngSuiteIsCovered() throws {
    let suite = try CodecFixtures.images(in: "png").filter { $0.file.hasPrefix("png/pngsuite_") }
    #expect(suite.count == 28)
  }
}
