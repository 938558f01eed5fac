import ImageCodecs
import Testing
@testable import ImageProcessing

/// `resize` against the bytes of Pillow's `Image.resize`, and the crop-window resampling against `resize`.
@Suite(.timeLimit(.minutes(5))) struct ResizeTests {
  @Test func matchesPillowBitForBit() throws {
    let manifest = try Fixtures.manifest()
    let images = try Fixtures.images(manifest)
    #expect(manifest.resizeCases.count >= 70)
    #expect(Set(manifest.resizeCases.map(\.filter)) == Set(ResamplingFilter.allCases.map(\.rawValue)))
    for testCase in manifest.resizeCases {
      let filter = try #require(ResamplingFilter(rawValue: testCase.filter))
      let image = try #require(images[testCase.image])
      let resized = resize(image, width: testCase.width, height: testCase.height, filter: filter)
      let expected = try Fixtures.bytes(testCase.file)
      let mismatches = zip(resized.pixels, expected).filter { $0 != $1 }.count
      #expect(resized.pixels.count == expected.count && mismatches == 0,
              "\(testCase.file): \(mismatches) of \(expected.count) bytes differ")
    }
  }

  /// Resampling only a window must give exactly the window of the full resize: the processor relies on it
  /// to compute only what survives the center crop. Windows and sizes come from a fixed-seed generator.
  @Test func windowEqualsCropOfFullResize() {
    var random = SplitMix64(seed: 7)
    for trial in 0..<300 {
      let width = 1 + random.below(40), height = 1 + random.below(40)
      let pixels = (0..<width * height * 3).map { _ in UInt8(truncatingIfNeeded: random.next()) }
      let image = RGBImage(width: width, height: height, pixels: pixels)
      let outWidth = 1 + random.below(60), outHeight = 1 + random.below(60)
      let filter = ResamplingFilter.allCases[trial % ResamplingFilter.allCases.count]
      let full = resize(image, width: outWidth, height: outHeight, filter: filter)
      let x0 = random.below(outWidth), y0 = random.below(outHeight)
      let columns = x0..<x0 + 1 + random.below(outWidth - x0)
      let rows = y0..<y0 + 1 + random.below(outHeight - y0)
      let window = resampleWindow(image, width: outWidth, height: outHeight, filter: filter, columns: columns,
                                  rows: rows)
      var expected = [UInt8]()
      for row in rows {
        expected += full.pixels[(row * outWidth + columns.lowerBound) * 3..<(row * outWidth + columns.upperBound) * 3]
      }
      #expect(window == expected, "\(width)×\(height) → \(outWidth)×\(outHeight) \(filter) at \(columns), \(rows)")
    }
  }

  @Test func sameSizeIsACopy() {
    let image = RGBImage(width: 3, height: 2, pixels: Array(0..<18))
    for filter in ResamplingFilter.allCases {
      #expect(resize(image, width: 3, height: 2, filter: filter) == image)
    }
  }
}

/// A small deterministic generator (SplitMix64) for test inputs.
struct SplitMix64 {
  private var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  /// A value in `0..<bound`.
  mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
