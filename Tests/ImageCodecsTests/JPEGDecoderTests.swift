import Testing
@testable import ImageCodecs

/// Decoded pixels against Pillow's `Image.open(f).convert("RGB")` for every fixture (see
/// `Fixtures/make_jpeg_fixtures.py` for the variants: baseline, extended, progressive, restart intervals,
/// 1/3/4 components, every sampling layout, Adobe transforms, odd and tiny sizes).
@Suite(.timeLimit(.minutes(5))) struct JPEGDecoderTests {
  @Test func fixturesAreThere() throws {
    #expect(try JPEGFixtures.cases().count >= 50)
  }

  @Test(arguments: try JPEGFixtures.cases())
  func pixelsMatchPillow(_ fixture: JPEGFixtures.Case) throws {
    let decoded = try JPEG.decode(JPEGFixtures.bytes(fixture.name + ".jpg"))
    let expected = try JPEGFixtures.bytes(fixture.name + ".rgb")
    #expect(decoded.image.width == fixture.width && decoded.image.height == fixture.height, "\(fixture.name)")
    try #require(decoded.image.pixels.count == expected.count, "\(fixture.name): golden file of \(expected.count) bytes")
    let comparison = PixelComparison(decoded.image.pixels, expected)
    // Compared through the summary so that a failure names the share of identical samples, not 10k bytes.
    #expect(comparison.maxDifference == 0, "\(fixture.name): \(comparison)")
  }

  @Test func exifPayloadIsTheTIFFData() throws {
    let decoded = try JPEG.decode(JPEGFixtures.bytes("exif_orientation6.jpg"))
    let exif = try #require(decoded.exif)
    #expect(Array(exif.prefix(4)) == Array("MM\0*".utf8))  // even orientations are written big-endian
    #expect(try JPEG.decode(JPEGFixtures.bytes("chelsea_444.jpg")).exif == nil)
  }
}

extension JPEGFixtures.Case: CustomTestStringConvertible {
  var testDescription: String { name }
}
