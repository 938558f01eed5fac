import ImageCodecs
import Testing

/// Every GIF (plain, interlaced, transparent, local table, animated, offset frame, full LZW table) decodes to
/// the pixels Pillow's `convert("RGB")` gives for its first frame.
struct GIFReferenceTests {
  @Test func pixelsMatchPillow() throws {
    let images = try CodecFixtures.images(in: "gif")
    #expect(images.count >= 10)
    for fixture in images {
      let decoded = try GIF.decode(try CodecFixtures.bytes(fixture.file))
      #expect(decoded.image.width == fixture.width && decoded.image.height == fixture.height, "\(fixture.file)")
      let expected = try CodecFixtures.bytes(fixture.rgb)
      if decoded.image.pixels != expected {
        let first = zip(decoded.image.pixels, expected).enumerated().first { $0.element.0 != $0.element.1 }
        Issue.record("\(fixture.file) (\(fixture.note)): first difference at byte \(first?.offset ?? -1)")
      }
      #expect(decoded.exif == nil)
    }
  }
}
