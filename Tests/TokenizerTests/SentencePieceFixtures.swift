import Foundation
@testable import Tokenizer

/// The fixtures written by `Fixtures/make_sentencepiece_fixtures.py` from transformers' `SiglipTokenizer`,
/// `GemmaTokenizer` and `Siglip2Tokenizer`.
enum SentencePieceFixtures {
  static let directory = ReferenceFixtures.directory
  static let siglipDirectory = directory.appendingPathComponent("siglip")
  static let gemmaDirectory = directory.appendingPathComponent("gemma")

  struct Case: Decodable {
    var text: String
    /// `SiglipTokenizer` on `siglip/`.
    var siglip: [Int]
    /// `GemmaTokenizer` on `gemma/` (a `siglip` checkpoint: SigLIP 2 fixed resolution).
    var gemma: [Int]
    /// `Siglip2Tokenizer` on `gemma/` (a `siglip2` checkpoint: lower-cased).
    var siglip2: [Int]
  }

  struct SiglipVariant: Decodable {
    var name: String
    var config: ReferenceFixtures.JSONObject
    var specialTokensMap: ReferenceFixtures.JSONObject?
    var ids: [[Int]]
  }

  struct GemmaVariant: Decodable {
    var name: String
    var config: ReferenceFixtures.JSONObject
    var modelType: String
    var tokenizerClass: String
    var ids: [[Int]]
  }

  struct Cases: Decodable {
    var versions: [String: String]
    var maxLength: Int
    var cases: [Case]
    var probes: [String]
    var siglipVariants: [SiglipVariant]
    var gemmaVariants: [GemmaVariant]
    var siglipPadTokenID: Int
    var gemmaPadTokenID: Int
    var siglipVocabularySize: Int
    var gemmaVocabularySize: Int
    var pythonLower: [String: [UInt32]]
    var rustLower: [String: [UInt32]]
    var pythonWhitespace: [UInt32]
  }

  static let cases: Cases = {
    do {
      let url = directory.appendingPathComponent("sentencepiece_cases.json")
      return try JSONDecoder().decode(Cases.self, from: Data(contentsOf: url))
    } catch {
      fatalError("cannot read sentencepiece_cases.json: \(error)")
    }
  }()

  /// A temporary directory holding the given fixture files and the JSON files given as objects.
  static func directory(copying files: [URL], json: [String: [String: Any]]) throws -> TemporaryDirectory {
    let directory = try TemporaryDirectory()
    for file in files {
      try FileManager.default.copyItem(at: file, to: directory.url.appendingPathComponent(file.lastPathComponent))
    }
    for (name, object) in json {
      try JSONSerialization.data(withJSONObject: object).write(to: directory.url.appendingPathComponent(name))
    }
    return directory
  }
}
