import Foundation
import ImageCodecs
import Testing

/// Hostile files through `decodeImage`, the worker's entry point: decompression bombs (a few dozen bytes declaring
/// a huge image), zero-sized images and truncated files of every format are each refused with a typed error,
/// quickly — a decoder that allocated the declared 100000×100000×3 bytes would crash or take seconds, not
/// milliseconds.
@Suite(.timeLimit(.minutes(5))) struct HostileInputTests {
  /// Runs `body` and expects it to throw `error` within `limit` (far below what touching gigabytes takes).
  func expectQuickly<E: Error & Equatable>(_ error: E, within limit: Duration = .seconds(1),
                                           sourceLocation: SourceLocation = #_sourceLocation,
                                           _ body: () throws -> RGBImage) {
    let elapsed = ContinuousClock().measure {
      #expect(throws: error, sourceLocation: sourceLocation) { try body() }
    }
    #expect(elapsed < limit, "took \(elapsed)", sourceLocation: sourceLocation)
  }

  let bomb = ImageLimitError.tooLarge(width: 100_000, height: 100_000, maxPixels: 100_000_000)
  /// GIF and JPEG store dimensions in 16 bits: their largest declarable image is the bomb.
  let bomb16 = ImageLimitError.tooLarge(width: 65_535, height: 65_535, maxPixels: 100_000_000)

  @Test func pngBomb() {
    let file = TestPNG.rgb(width: 100_000, height: 100_000, rows: [0, 1, 2, 3])
    #expect(file.count < 100)
    expectQuickly(bomb) { try decodeImage(file) }
  }

  @Test func jpegBomb() {
    let file = JPEGCorruptionTests.miniJPEG(scan: [0x40], width: 65_535, height: 65_535)
    #expect(file.count < 200)
    expectQuickly(bomb16) { try decodeImage(file) }
  }

  @Test func gifBomb() {
    let file = GIFMalformedTests().gif(width: 65_535, height: 65_535, lzw: [0b0000_1100, 0b0101_0010])
    #expect(file.count < 50)
    expectQuickly(bomb16) { try decodeImage(file) }
  }

  @Test func bmpBomb() {
    let file = BMPMalformedTests().bmp(width: 100_000, height: 100_000, bits: 24, pixels: [1, 2, 3, 0])
    #expect(file.count < 100)
    expectQuickly(bomb) { try decodeImage(file) }
    // The same in a top-down BMP (negative height).
    let topDown = BMPMalformedTests().bmp(width: 100_000, height: -100_000, bits: 24, pixels: [1, 2, 3, 0])
    expectQuickly(bomb) { try decodeImage(topDown) }
  }

  /// A bomb within the dimension limits but over the pixel limit, as the worker's limits would see it.
  @Test func bombsUnderTheDimensionLimitAreCaughtByThePixelLimit() {
    let limits = ImageLimits(maxPixels: 4_000_000)
    let error = ImageLimitError.tooLarge(width: 60_000, height: 60_000, maxPixels: 4_000_000)
    expectQuickly(error) { try decodeImage(TestPNG.rgb(width: 60_000, height: 60_000, rows: [0]), limits: limits) }
    expectQuickly(error) {
      try decodeImage(JPEGCorruptionTests.miniJPEG(scan: [0x40], width: 60_000, height: 60_000), limits: limits)
    }
    expectQuickly(error) {
      try decodeImage(GIFMalformedTests().gif(width: 60_000, height: 60_000, lzw: []), limits: limits)
    }
    expectQuickly(error) {
      try decodeImage(BMPMalformedTests().bmp(width: 60_000, height: 60_000, bits: 8, pixels: []), limits: limits)
    }
  }

  @Test func zeroSizedImages() {
    expectQuickly(ImageLimitError.emptyImage(width: 0, height: 0)) {
      try decodeImage(TestPNG.rgb(width: 0, height: 0, rows: []))
    }
    // Height 0 in a JPEG frame means "defined later by a DNL marker", which Pillow does not read either.
    expectQuickly(JPEGError.unsupported("height defined by a DNL marker")) {
      try decodeImage(JPEGCorruptionTests.miniJPEG(scan: [0x40], width: 0, height: 0))
    }
    expectQuickly(JPEGError.badFrameHeader("zero width", offset: 71)) {
      try decodeImage(JPEGCorruptionTests.miniJPEG(scan: [0x40], width: 0, height: 8))
    }
    expectQuickly(ImageLimitError.emptyImage(width: 0, height: 0)) {
      try decodeImage(GIFMalformedTests().gif(width: 0, height: 0, lzw: []))
    }
    expectQuickly(ImageLimitError.emptyImage(width: 0, height: 0)) {
      try decodeImage(BMPMalformedTests().bmp(width: 0, height: 0, bits: 24, pixels: []))
    }
  }

  /// Every prefix of a real file of each format (sampled) is refused with a typed error, never a crash. A prefix
  /// that lacks only trailing bytes the pixels do not need (an RLE BMP's end-of-bitmap code) may decode, but
  /// then to exactly the whole file's image, never to an image of garbage.
  @Test(arguments: ["png/filter1.png", "png/rgba16_adam7.png", "jpeg/chelsea_420.jpg",
                    "jpeg/coffee_progressive_420.jpg", "gif/photo_interlaced.gif", "bmp/pillow24.bmp", "bmp/rle8.bmp"])
  func truncatedFiles(_ path: String) throws {
    let file = try CodecFixtures.bytes(path)
    let whole = try decodeImage(file)
    for length in Swift.stride(from: 0, to: file.count, by: max(1, file.count / 300)) {
      let cut = Array(file.prefix(length))
      do {
        let image = try decodeImage(cut)
        #expect(image == whole, "\(path) cut at \(length) decoded to a different image")
      } catch {
        #expect(Self.isTyped(error), "\(path) cut at \(length): \(error)")
      }
    }
  }

  /// Whether `error` is one of the typed errors `decodeImage` documents.
  static func isTyped(_ error: any Error) -> Bool {
    error is ImageFormatError || error is ImageLimitError || error is PNGError || error is JPEGError
      || error is GIFError || error is BMPError
  }
}
