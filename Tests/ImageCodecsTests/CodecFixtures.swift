import Foundation

/// The images and Pillow references written by `Fixtures/make_png_gif_bmp_fixtures.py`.
enum CodecFixtures {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

  struct Image: Decodable {
    var file: String
    var width: Int
    var height: Int
    var mode: String
    var rgb: String
    var exif: String?
    var note: String
  }

  struct Manifest: Decodable {
    var images: [Image]
  }

  /// Every image whose file lies in `folder` (png, gif or bmp).
  static func images(in folder: String) throws -> [Image] {
    let data = try Data(contentsOf: directory.appendingPathComponent("manifest.json"))
    return try JSONDecoder().decode(Manifest.self, from: data).images.filter { $0.file.hasPrefix(folder + "/") }
  }

  static func bytes(_ relativePath: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: directory.appendingPathComponent(relativePath)))
  }
}
