import ImageCodecs
import Testing

/// Checks shared by the PNG, GIF and BMP tests.
enum CodecChecks {
  /// Decodes every fixture in `folder` and records an issue for each whose size, pixels or EXIF differ from
  /// what Pillow gave. Returns how many fixtures were checked.
  @discardableResult
  static func expectMatchesPillow(_ folder: String, decode: ([UInt8]) throws -> DecodedImage) throws -> Int {
    let images = try CodecFixtures.images(in: folder)
    for fixture in images {
      let decoded = try decode(try CodecFixtures.bytes(fixture.file))
      #expect(decoded.image.width == fixture.width && decoded.image.height == fixture.height, "\(fixture.file)")
      let expected = try CodecFixtures.bytes(fixture.rgb)
      if decoded.image.pixels != expected {
        let first = zip(decoded.image.pixels, expected).enumerated().first { $0.element.0 != $0.element.1 }
        Issue.record("\(fixture.file) (\(fixture.note)): first difference at byte \(first?.offset ?? -1)")
      }
      #expect(try decoded.exif == fixture.exif.map(CodecFixtures.bytes), "\(fixture.file): EXIF")
    }
    return images.count
  }

  /// Feeds `decode` randomly corrupted and randomly truncated copies of the fixtures in `folder`: each must
  /// decode or throw, never crash or hang. Deterministic for a given `seed`.
  static func expectCorruptionIsSurvived(_ folder: String, seed: UInt64, copies: Int,
                                         decode: ([UInt8], ImageLimits) throws -> DecodedImage) throws {
    var state = seed
    func next() -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int(truncatingIfNeeded: state >> 33)
    }
    // A small pixel limit keeps corrupted headers from asking for large (if bounded) buffers.
    let limits = ImageLimits(maxPixels: 1 << 22)
    for fixture in try CodecFixtures.images(in: folder) {
      let original = try CodecFixtures.bytes(fixture.file)
      for _ in 0..<copies {
        var bytes = original
        for _ in 0..<(1 + next() % 3) { bytes[next() % bytes.count] = UInt8(truncatingIfNeeded: next()) }
        _ = try? decode(bytes, limits)
        _ = try? decode(Array(bytes[..<(next() % bytes.count)]), limits)
      }
    }
  }
}
