import Testing
import ImageCodecs

/// `decodeImage`, the entry point the worker uses: picks the decoder by signature and returns the upright image.
@Suite(.timeLimit(.minutes(5))) struct ImageDecoderTests {
  @Test func picksTheDecoderBySignature() throws {
    for folder in ["png", "gif", "bmp"] {
      for fixture in try CodecFixtures.images(in: folder).prefix(5) {
        let bytes = try CodecFixtures.bytes(fixture.file)
        #expect(ImageFormat(sniffing: bytes)?.rawValue == folder, "\(fixture.file)")
        let image = try decodeImage(bytes)
        #expect(image.pixels == (try CodecFixtures.bytes(fixture.rgb)), "\(fixture.file)")
      }
    }
  }

  @Test func jpegComesOutUprightAsLoadImageGivesIt() throws {
    let bytes = try JPEGFixtures.bytes("exif_orientation6.jpg")
    #expect(ImageFormat(sniffing: bytes) == .jpeg)
    let image = try decodeImage(bytes)
    #expect(image.pixels == (try JPEGFixtures.bytes("exif_orientation6.upright.rgb")))
    #expect(image != (try JPEG.decode(bytes)).image)
  }

  @Test func unknownBytesNameWhatTheyStartWith() {
    #expect(throws: ImageFormatError.unrecognized(leadingBytes: Array("%PDF-1.7".utf8))) {
      try decodeImage(Array("%PDF-1.7 trailing".utf8))
    }
    #expect(throws: ImageFormatError.unrecognized(leadingBytes: [])) { try decodeImage([]) }
    #expect(ImageFormatError.unrecognized(leadingBytes: [0x25, 0x0A]).description.contains("25 0A"))
  }

  @Test func limitsApplyBeforeDecoding() throws {
    let bytes = try JPEGFixtures.bytes("exif_orientation6.jpg")
    #expect(throws: ImageLimitError.self) { try decodeImage(bytes, limits: ImageLimits(maxPixels: 10)) }
  }
}
