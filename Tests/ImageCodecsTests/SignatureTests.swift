import ImageCodecs
import Testing

/// Each format recognises its own fixtures by signature and no other format's.
@Suite(.timeLimit(.minutes(5))) struct SignatureTests {
  @Test func signaturesPickTheRightDecoder() throws {
    for folder in ["png", "gif", "bmp"] {
      for fixture in try CodecFixtures.images(in: folder) {
        let bytes = try CodecFixtures.bytes(fixture.file)
        let matches = [PNG.hasSignature(bytes), GIF.hasSignature(bytes), BMP.hasSignature(bytes)]
        #expect(matches == ["png", "gif", "bmp"].map { $0 == folder }, "\(fixture.file)")
      }
    }
    #expect(!PNG.hasSignature([0x89, 0x50]) && !GIF.hasSignature(Array("GIF8".utf8)) && !BMP.hasSignature([0x42]))
  }
}
