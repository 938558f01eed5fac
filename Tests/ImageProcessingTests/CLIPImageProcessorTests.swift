import Foundation
import ImageCodecs
import Testing
@testable import ImageProcessing

/// Pixel tensors against those transformers' CLIPImageProcessorPil produced from the same RGB bytes.
@Suite(.timeLimit(.minutes(5))) struct CLIPImageProcessorTests {
  @Test func pixelTensorsMatchTransformers() throws {
    let manifest = try Fixtures.manifest()
    let images = try Fixtures.images(manifest)
    #expect(manifest.processorCases.count >= 100)
    var worst: Float = 0
    for testCase in manifest.processorCases {
      let processor = try CLIPImageProcessor(contentsOf: Fixtures.url("configs/\(testCase.config).json"))
      let image = try #require(images[testCase.image])
      let expected = try Fixtures.floats(testCase.file)
      #expect(processor.outputWidth == testCase.width && processor.outputHeight == testCase.height,
              "\(testCase.file): output \(processor.outputWidth)×\(processor.outputHeight)")
      let pixels = processor(image)
      try #require(pixels.count == expected.count, "\(testCase.file): \(pixels.count) values")
      let difference = zip(pixels, expected).map { abs($0 - $1) }.max() ?? 0
      worst = max(worst, difference)
      #expect(difference <= 1e-6, "\(testCase.file): max |difference| \(difference)")
    }
    // Same bytes, same float operations: the tensors are expected to be identical, not just close.
    #expect(worst == 0, "max |difference| over all cases: \(worst)")
  }

  @Test func fullSizeReferenceIsCovered() throws {
    let cases = try Fixtures.manifest().processorCases
    let full = try #require(cases.first { $0.config == "clip_vit_base_patch32" })
    #expect(full.image == "photo_640x480" && full.width == 224 && full.height == 224)
  }

  @Test func shortestEdgeOutputSizeTruncates() throws {
    let processor = try CLIPImageProcessor(configuration: CLIPImageProcessorConfiguration())
    // int(224 * 640 / 480) = int(298.67) = 298; portrait keeps width 224.
    #expect(processor.resizedSize(width: 640, height: 480) == (298, 224))
    #expect(processor.resizedSize(width: 480, height: 640) == (224, 298))
    #expect(processor.resizedSize(width: 3, height: 5) == (224, 373))
    #expect(processor.resizedSize(width: 7, height: 7) == (224, 224))
    #expect(processor.outputWidth == 224 && processor.outputHeight == 224)
  }

  /// A crop larger than the image pads with zero bytes, which normalize to -mean/std; the image sits at
  /// the ceiling of half the padding.
  @Test func paddingIsNormalizedZero() throws {
    var configuration = CLIPImageProcessorConfiguration()
    configuration.doResize = false
    configuration.cropSize = .exact(height: 4, width: 3)
    let processor = try CLIPImageProcessor(configuration: configuration)
    let image = RGBImage(width: 1, height: 1, pixels: [255, 255, 255])
    let pixels = processor(image)
    let mean = Float(configuration.imageMean[0]), std = Float(configuration.imageStd[0])
    let padding = (0 - mean) / std
    let white = (Float(255.0 / 255.0) - mean) / std
    // Height 1 → 4: three rows of padding, two above (ceil(3/2)). Width 1 → 3: one column each side.
    #expect(Array(pixels[0..<12]) == [padding, padding, padding, padding, padding, padding,
                                      padding, white, padding, padding, padding, padding])
  }
}
