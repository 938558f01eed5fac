import Foundation
import Testing
@testable import ImageProcessing

/// Decoding of `preprocessor_config.json` and the configurations the processor refuses.
@Suite(.timeLimit(.minutes(5))) struct ConfigurationTests {
  private func decode(_ json: String) throws -> CLIPImageProcessorConfiguration {
    try JSONDecoder().decode(CLIPImageProcessorConfiguration.self, from: Data(json.utf8))
  }

  private func processor(_ json: String) throws -> CLIPImageProcessor {
    try CLIPImageProcessor(configuration: decode(json))
  }

  @Test func realCheckpointConfigDecodes() throws {
    let configuration = try CLIPImageProcessor(contentsOf: Fixtures.url("configs/clip_vit_base_patch32.json"))
      .configuration
    #expect(configuration == CLIPImageProcessorConfiguration())
    #expect(configuration.size == .shortestEdge(224))
    #expect(configuration.cropSize == .exact(height: 224, width: 224))
    #expect(configuration.resample == .bicubic)
    #expect(configuration.rescaleFactor == 0.00392156862745098)
  }

  @Test func emptyConfigUsesCLIPDefaults() throws {
    #expect(try decode("{}") == CLIPImageProcessorConfiguration())
  }

  @Test func sizeForms() throws {
    #expect(try decode(#"{"size": 200}"#).size == .shortestEdge(200))
    #expect(try decode(#"{"size": 200, "default_to_square": true}"#).size == .exact(height: 200, width: 200))
    #expect(try decode(#"{"size": [20, 30]}"#).size == .exact(height: 20, width: 30))
    #expect(try decode(#"{"size": {"height": 20, "width": 30}}"#).size == .exact(height: 20, width: 30))
    #expect(try decode(#"{"crop_size": 100}"#).cropSize == .exact(height: 100, width: 100))
    #expect(try decode(#"{"image_mean": 0.5}"#).imageMean == [0.5, 0.5, 0.5])
  }

  @Test func nullSwitchesAreOff() throws {
    let configuration = try decode(#"{"do_rescale": null, "do_center_crop": null, "size": [4, 4]}"#)
    #expect(!configuration.doRescale && !configuration.doCenterCrop && configuration.doResize)
  }

  @Test func refusesUnsupportedSizeKeys() {
    #expect(throws: ImageProcessorConfigurationError.unsupportedSizeKeys(
      parameter: "size", keys: ["longest_edge", "shortest_edge"])) {
      try decode(#"{"size": {"shortest_edge": 224, "longest_edge": 400}}"#)
    }
    #expect(throws: ImageProcessorConfigurationError.invalidSizeList(parameter: "crop_size", values: [224])) {
      try decode(#"{"crop_size": [224]}"#)
    }
  }

  @Test func refusesBadValues() {
    #expect(throws: ImageProcessorConfigurationError.unsupportedResample(6)) { try decode(#"{"resample": 6}"#) }
    #expect(throws: ImageProcessorConfigurationError.nonPositiveSize(parameter: "crop_size", value: 0)) {
      try processor(#"{"crop_size": {"height": 0, "width": 10}}"#)
    }
    #expect(throws: ImageProcessorConfigurationError.wrongChannelCount(parameter: "image_std", count: 2)) {
      try processor(#"{"image_std": [0.5, 0.5]}"#)
    }
    #expect(throws: ImageProcessorConfigurationError.invalidNumber(parameter: "image_std", value: 0)) {
      try processor(#"{"image_std": 0}"#)
    }
    #expect(throws: ImageProcessorConfigurationError.cropSizeNeedsHeightAndWidth(.shortestEdge(10))) {
      try processor(#"{"crop_size": {"shortest_edge": 10}}"#)
    }
  }

  @Test func refusesNullValuesThatEnabledStepsNeed() {
    #expect(throws: ImageProcessorConfigurationError.missingValue("image_mean")) {
      try decode(#"{"image_mean": null}"#)
    }
    #expect(throws: ImageProcessorConfigurationError.missingValue("resample")) { try decode(#"{"resample": null}"#) }
    #expect(throws: ImageProcessorConfigurationError.missingValue("size")) { try decode(#"{"size": null}"#) }
  }

  @Test func refusesImageDependentOutputSizeAndPadding() {
    #expect(throws: ImageProcessorConfigurationError.outputSizeDependsOnImage) {
      try processor(#"{"do_center_crop": false}"#)
    }
    #expect(throws: ImageProcessorConfigurationError.outputSizeDependsOnImage) {
      try processor(#"{"do_center_crop": false, "do_resize": false, "size": [10, 10]}"#)
    }
    #expect(throws: ImageProcessorConfigurationError.unsupportedOption("do_pad")) {
      try decode(#"{"do_pad": true}"#)
    }
  }

  @Test func errorsDescribeThemselves() {
    #expect(ImageProcessorConfigurationError.unsupportedResample(9).description.contains("resample 9"))
  }
}
