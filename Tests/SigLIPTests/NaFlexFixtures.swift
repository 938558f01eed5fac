import Foundation

/// The fixtures written by `Fixtures/make_naflex_fixtures.py` from transformers' `Siglip2Model`, its Pillow image
/// processor and the pipeline.
enum NaFlexFixtures {
  static let checkpoint = SiglipFixtures.checkpoint("tiny-siglip2-naflex")

  struct Size: Decodable { var height: Int; var width: Int; var patch: Int; var maxPatches: Int; var size: [Int] }

  struct Positions: Decodable {
    var grid: Int
    /// `grid × grid × 3`.
    var table: [Float]
    /// `[rows, columns]`.
    var shape: [Int]
    /// The padded length `resize_positional_embeddings` was asked for.
    var length: Int
    /// `length × 3`: the resized rows, then the padding rows.
    var resized: [Float]
  }

  struct Image: Decodable {
    var width: Int
    var height: Int
    var pixels: [UInt8]
    /// The real rows of `pixel_values` (the padding is zeros, checked by the script).
    var pixelValues: [Float]
    var mask: [Int]
    var spatialShape: [Int]
    var imageEmbeds: [Float]
  }

  struct Text: Decodable {
    var texts: [String]
    var tokenIDs: [[Int]]
    var attentionMask: [[Int]]
    var textEmbeds: [[Float]]
  }

  struct Score: Decodable { var label: String; var score: Float }

  struct Reference: Decodable {
    var sizes: [Size]
    var positions: [Positions]
    var images: [Image]
    var text: Text
    var labels: [String]
    var pipeline: [Score]
  }

  static func reference() throws -> Reference {
    try JSONDecoder().decode(
      Reference.self, from: Data(contentsOf: SiglipFixtures.directory.appendingPathComponent("naflex-reference.json")))
  }
}
