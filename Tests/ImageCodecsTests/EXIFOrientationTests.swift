import Testing
@testable import ImageCodecs

/// EXIF orientation: parsed from the payloads the JPEG decoder returns and applied like Pillow's
/// `ImageOps.exif_transpose` (the fixtures hold its output for all eight EXIF values in both byte orders, and
/// for XMP `tiff:Orientation` with and without EXIF data).
@Suite(.timeLimit(.minutes(5))) struct EXIFOrientationTests {
  @Test(arguments: try JPEGFixtures.cases().filter { $0.orientation != nil })
  func uprightPixelsMatchExifTranspose(_ fixture: JPEGFixtures.Case) throws {
    let decoded = try JPEG.decode(JPEGFixtures.bytes(fixture.name + ".jpg"))
    #expect((decoded.orientation ?? .topLeft).rawValue == fixture.orientation)
    let upright = decoded.uprightImage
    #expect(upright.width == fixture.uprightWidth && upright.height == fixture.uprightHeight)
    #expect(upright.pixels == (try JPEGFixtures.bytes(fixture.name + ".upright.rgb")), "\(fixture.name)")
  }

  @Test func exifOrientationOutranksXMP() throws {
    let decoded = try JPEG.decode(JPEGFixtures.bytes("xmp_orientation5_exif_says1.jpg"))
    #expect(decoded.xmp.flatMap(EXIFOrientation.init(xmp:)) == .leftTop)
    #expect(decoded.orientation == .topLeft)
    // An EXIF entry Pillow cannot use (here a count of 2) still hides the XMP value.
    let image = RGBImage(width: 1, height: 1, pixels: [1, 2, 3])
    let unusable = DecodedImage(image: image, exif: tiff(count: 2, value: 6),
                                xmp: Array("<x tiff:Orientation=\"6\"/>".utf8))
    #expect(unusable.orientation == nil)
    #expect(DecodedImage(image: image, xmp: Array("<tiff:Orientation>8</tiff:Orientation>".utf8)).orientation
      == .leftBottom)
  }

  @Test func readsXMPLikePillowsPattern() {
    #expect(EXIFOrientation(xmp: Array("a tiff:Orientation=\"7\" b".utf8)) == .rightBottom)
    #expect(EXIFOrientation(xmp: Array("<tiff:Orientation>2</tiff:Orientation>".utf8)) == .topRight)
    // The first occurrence that matches the pattern counts; one that does not is skipped.
    #expect(EXIFOrientation(xmp: Array("tiff:Orientation = 3, tiff:Orientation>4".utf8)) == .bottomLeft)
    #expect(EXIFOrientation(xmp: Array("tiff:Orientation=\"9\"".utf8)) == nil)
    #expect(EXIFOrientation(xmp: Array("tiff:Orientation=\"".utf8)) == nil)
    #expect(EXIFOrientation(xmp: []) == nil)
  }

  /// A TIFF payload with one IFD0 entry (tag, type, count, 4 value bytes), little- or big-endian.
  private func tiff(tag: UInt16 = 0x0112, type: UInt16 = 3, count: UInt32 = 1, value: UInt32,
                    bigEndian: Bool = false) -> [UInt8] {
    func u16(_ v: UInt16) -> [UInt8] { bigEndian ? [UInt8(v >> 8), UInt8(v & 255)] : [UInt8(v & 255), UInt8(v >> 8)] }
    func u32(_ v: UInt32) -> [UInt8] {
      bigEndian ? u16(UInt16(v >> 16)) + u16(UInt16(v & 0xFFFF)) : u16(UInt16(v & 0xFFFF)) + u16(UInt16(v >> 16))
    }
    // A SHORT value sits in the first two of the four value bytes.
    let valueBytes = type == 3 ? u16(UInt16(value)) + [0, 0] : type == 1 ? [UInt8(value), 0, 0, 0] : u32(value)
    return (bigEndian ? Array("MM".utf8) : Array("II".utf8)) + u16(42) + u32(8) + u16(1)
      + u16(tag) + u16(type) + u32(count) + valueBytes + u32(0)
  }

  @Test func readsShortLongAndByteValuesInBothByteOrders() {
    #expect(EXIFOrientation(exif: Array("Exif\0\0".utf8) + tiff(value: 4)) == .bottomLeft)
    #expect(EXIFOrientation(exif: tiff(value: 6)) == .rightTop)
    #expect(EXIFOrientation(exif: tiff(value: 8, bigEndian: true)) == .leftBottom)
    #expect(EXIFOrientation(exif: tiff(type: 4, value: 3)) == .bottomRight)
    #expect(EXIFOrientation(exif: tiff(type: 4, value: 5, bigEndian: true)) == .leftTop)
    #expect(EXIFOrientation(exif: tiff(type: 1, value: 2)) == .topRight)
  }

  @Test func refusesValuesAndEntriesPillowWouldNotTranspose() {
    #expect(EXIFOrientation(exif: tiff(value: 0)) == nil)
    #expect(EXIFOrientation(exif: tiff(value: 9)) == nil)
    #expect(EXIFOrientation(exif: tiff(count: 2, value: 6)) == nil)  // a tuple in Pillow: no transpose
    #expect(EXIFOrientation(exif: tiff(type: 7, value: 6)) == nil)  // UNDEFINED bytes
    #expect(EXIFOrientation(exif: tiff(tag: 0x0110, value: 6)) == nil)  // another tag
  }

  @Test func survivesMalformedPayloads() {
    let good = tiff(value: 6)
    // Every truncation parses without trapping; the entry is found once its 12 bytes are all there
    // (header 8 + entry count 2 + entry 12), the missing next-IFD offset does not matter.
    for length in 0..<good.count {
      let expected: EXIFOrientation? = length >= 22 ? .rightTop : nil
      #expect(EXIFOrientation(exif: Array(good.prefix(length))) == expected, "\(length) bytes")
    }
    var badOrder = good
    badOrder[0] = 0x4A
    #expect(EXIFOrientation(exif: badOrder) == nil)
    var badMagic = good
    badMagic[2] = 43
    #expect(EXIFOrientation(exif: badMagic) == nil)
    var farIFD = good
    farIFD[4...7] = [0xFF, 0xFF, 0xFF, 0x7F]
    #expect(EXIFOrientation(exif: farIFD) == nil)
    var manyEntries = good
    manyEntries[8...9] = [0xFF, 0xFF]  // 65535 entries declared, one present
    #expect(EXIFOrientation(exif: manyEntries) == .rightTop)
  }

  @Test func topLeftLeavesTheImageAlone() {
    let image = RGBImage(width: 2, height: 1, pixels: [1, 2, 3, 4, 5, 6])
    #expect(EXIFOrientation.topLeft.apply(to: image) == image)
  }
}
