import Foundation

/// The JPEG fixtures written by `Fixtures/make_jpeg_fixtures.py`: each test image with the RGB pixels Pillow
/// decoded from it.
enum JPEGFixtures {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures/jpeg")

  struct Case {
    let name: String
    let width: Int, height: Int
    /// Pillow's mode when it opened the file (L, RGB or CMYK).
    let mode: String
    let orientation: Int?
    let uprightWidth: Int?, uprightHeight: Int?
  }

  static func cases() throws -> [Case] {
    let data = try Data(contentsOf: directory.appendingPathComponent("manifest.json"))
    let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    let list = json?["cases"] as? [[String: Any]] ?? []
    return list.map { c in
      Case(name: c["name"] as? String ?? "", width: c["width"] as? Int ?? 0, height: c["height"] as? Int ?? 0,
           mode: c["mode"] as? String ?? "", orientation: c["orientation"] as? Int,
           uprightWidth: c["uprightWidth"] as? Int, uprightHeight: c["uprightHeight"] as? Int)
    }
  }

  static func bytes(_ file: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: directory.appendingPathComponent(file)))
  }
}

/// How far two equally sized pixel buffers are apart.
struct PixelComparison: CustomStringConvertible {
  let identicalShare: Double
  let maxDifference: Int

  init(_ a: [UInt8], _ b: [UInt8]) {
    precondition(a.count == b.count && !a.isEmpty)
    var same = 0, worst = 0
    for i in a.indices {
      let d = abs(Int(a[i]) - Int(b[i]))
      if d == 0 { same += 1 }
      worst = max(worst, d)
    }
    identicalShare = Double(same) / Double(a.count)
    maxDifference = worst
  }

  var description: String { "identical: \(identicalShare * 100)% of samples, max difference \(maxDifference)" }
}
