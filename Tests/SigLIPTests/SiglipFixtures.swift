import Foundation

/// The fixtures written by `Fixtures/make_fixtures.py` from `transformers`' `SiglipModel` and pipeline.
enum SiglipFixtures {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

  static func checkpoint(_ name: String) -> URL { directory.appendingPathComponent(name) }

  struct Inputs: Decodable {
    struct RGB: Decodable { var width: Int; var height: Int; var pixels: [UInt8] }
    var texts: [String]
    var tokenIDs: [[Int]]
    var pixelTensors: [[Float]]
    var rgb: RGB
    var rgbTensor: [Float]
    var labels: [String]
    var labelTokenIDs: [[Int]]
  }

  struct Reference: Decodable {
    var textEmbeds: [[Float]]
    /// The same ids with the attention mask the tokenizer gives by default.
    var textEmbedsMasked: [[Float]]
    var imageEmbeds: [[Float]]
    var rgbImageEmbeds: [[Float]]
    var logitScale: Float
    var logitBias: Float
    var logitsPerImage: [Float]
  }

  struct References: Decodable {
    struct Score: Decodable { var label: String; var score: Float }
    var f32: Reference
    var bf16: Reference
    var pipeline: [Score]
  }

  static func inputs() throws -> Inputs { try load("inputs.json") }

  struct SigLIP2Inputs: Decodable {
    var texts: [String]
    var tokenIDs: [[Int]]
    var attentionMask: [[Int]]
    var labels: [String]
  }

  struct SigLIP2Reference: Decodable {
    var textEmbeds: [[Float]]
    var pipeline: [References.Score]
  }

  static func siglip2Inputs() throws -> SigLIP2Inputs { try load("siglip2-inputs.json") }
  static func siglip2Reference() throws -> SigLIP2Reference { try load("siglip2-reference.json") }
  static func references() throws -> References { try load("reference.json") }

  private static func load<T: Decodable>(_ name: String) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(contentsOf: directory.appendingPathComponent(name)))
  }

  static func maxAbsDifference(_ a: [[Float]], _ b: [[Float]]) -> Float {
    precondition(a.count == b.count && zip(a, b).allSatisfy { $0.count == $1.count }, "shapes differ")
    return zip(a, b).flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? 0
  }
}
