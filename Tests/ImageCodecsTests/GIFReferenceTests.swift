import ImageCodecs
import Testing

/// Every GIF (plain, interlaced, transparent, local table, animated, offset frame, full LZW table) decodes to
/// the pixels Pillow's `convert("RGB")` gives for its first frame.
@Suite(.timeLimit(.minutes(5))) struct GIFReferenceTests {
  @Test func pixelsMatchPillow() throws {
    let checked = try CodecChecks.expectMatchesPillow("gif") { try GIF.decode($0) }
    #expect(checked >= 10)
  }
}
