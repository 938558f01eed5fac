import Foundation
import ImageCodecs

/// The files written by `Fixtures/make_fixtures.py`, described by `Fixtures/manifest.json`.
enum Fixtures {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

  struct Manifest: Decodable {
    struct Image: Decodable { var name: String; var width: Int; var height: Int; var file: String }
    struct Config: Decodable { var name: String; var file: String }
    struct ProcessorCase: Decodable { var config: String; var image: String; var file: String; var height: Int
                                      var width: Int }
    struct ResizeCase: Decodable { var image: String; var width: Int; var height: Int; var filter: Int
                                   var file: String }
    enum CodingKeys: String, CodingKey {
      case images, configs, processorCases = "processor_cases", resizeCases = "resize_cases"
    }
    var images: [Image]
    var configs: [Config]
    var processorCases: [ProcessorCase]
    var resizeCases: [ResizeCase]
  }

  static func manifest() throws -> Manifest {
    try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: directory.appendingPathComponent("manifest.json")))
  }

  static func url(_ file: String) -> URL { directory.appendingPathComponent(file) }

  static func bytes(_ file: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: url(file))) }

  /// The input images by name.
  static func images(_ manifest: Manifest) throws -> [String: RGBImage] {
    var images = [String: RGBImage]()
    for image in manifest.images {
      images[image.name] = RGBImage(width: image.width, height: image.height, pixels: try bytes(image.file))
    }
    return images
  }

  /// A little-endian float32 file.
  static func floats(_ file: String) throws -> [Float] {
    let raw = try bytes(file)
    return stride(from: 0, to: raw.count, by: 4).map { i in
      Float(bitPattern: UInt32(raw[i]) | UInt32(raw[i + 1]) << 8 | UInt32(raw[i + 2]) << 16 | UInt32(raw[i + 3]) << 24)
    }
  }
}
