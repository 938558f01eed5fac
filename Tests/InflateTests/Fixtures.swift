import Foundation

/// The streams written by `Fixtures/make_inflate_fixtures.py` with CPython's zlib.
enum Fixtures {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

  struct Case: Decodable {
    var stream: String
    var input: String
    var raw: Bool
    var adler32: UInt32
  }

  struct Manifest: Decodable {
    var cases: [Case]
  }

  static func cases() throws -> [Case] {
    let data = try Data(contentsOf: directory.appendingPathComponent("cases.json"))
    return try JSONDecoder().decode(Manifest.self, from: data).cases
  }

  static func bytes(_ relativePath: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: directory.appendingPathComponent(relativePath)))
  }
}
