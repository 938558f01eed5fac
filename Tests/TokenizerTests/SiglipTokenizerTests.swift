import Foundation
import Testing
@testable import Tokenizer

/// Token ids equal to transformers' `SiglipTokenizer` on the corpus of `Fixtures/make_sentencepiece_fixtures.py`.
struct SiglipTokenizerTests {
  typealias Fixtures = SentencePieceFixtures

  static let tokenizer: SiglipTokenizer = {
    do {
      return try SiglipTokenizer(directory: Fixtures.siglipDirectory)
    } catch {
      fatalError("cannot load the SigLIP fixture tokenizer: \(error)")
    }
  }()

  @Test func corpusIsLargeAndVaried() throws {
    let cases = Fixtures.cases.cases
    try #require(cases.count >= 400)
    #expect(cases.contains { $0.text.isEmpty })
    #expect(cases.contains { $0.siglip.count == Fixtures.cases.maxLength })
    #expect(cases.contains { $0.text.contains("</s>") })
    #expect(cases.contains { $0.text.unicodeScalars.contains { $0.value >= 0x1F600 } })
  }

  @Test func idsMatchReference() throws {
    let tokenizer = Self.tokenizer
    try #require(Fixtures.cases.cases.count >= 400)
    for item in Fixtures.cases.cases {
      #expect(tokenizer.encode(item.text) == item.siglip, "\(item.text.debugDescription)")
    }
  }

  @Test func factsMatchReference() {
    let tokenizer = Self.tokenizer
    #expect(tokenizer.maxLength == 64)
    #expect(tokenizer.padTokenID == Fixtures.cases.siglipPadTokenID)
    #expect(tokenizer.eosTokenID == Fixtures.cases.siglipPadTokenID)
    #expect(tokenizer.vocabularySize == Fixtures.cases.siglipVocabularySize)
    #expect(tokenizer.lowercases)
  }

  /// tokenizer_config.json as the Hub's SigLIP repos have it (lstrip/rstrip special tokens, special_tokens_map.json,
  /// cased), and reduced ones.
  @Test func hubConfigurationsMatchReference() throws {
    let variants = Fixtures.cases.siglipVariants
    try #require(variants.count >= 5)
    for variant in variants {
      var json = ["tokenizer_config.json": variant.config.value]
      if let map = variant.specialTokensMap { json["special_tokens_map.json"] = map.value }
      let directory = try Fixtures.directory(
        copying: [Fixtures.siglipDirectory.appendingPathComponent("spiece.model")], json: json)
      let tokenizer = try SiglipTokenizer(directory: directory.url)
      try #require(variant.ids.count == Fixtures.cases.probes.count)
      for (probe, ids) in zip(Fixtures.cases.probes, variant.ids) {
        #expect(tokenizer.encode(probe) == ids, "\(variant.name): \(probe.debugDescription)")
      }
    }
  }

  @Test func lowerCasingMatchesPython() throws {
    let table = Fixtures.cases.pythonLower
    try #require(table.count > 1000)
    var mismatches: [String] = []
    for value in UInt32(0)...0x10FFFF {
      guard let scalar = Unicode.Scalar(value) else { continue }
      let expected = table[String(value)].map { $0.map { Unicode.Scalar($0)! } } ?? [scalar]
      // Alone, Σ is not final.
      if PythonText.lowercased([scalar]) != expected { mismatches.append(String(value, radix: 16)) }
    }
    #expect(mismatches.isEmpty, "Python lower-cases differently: \(mismatches.prefix(40))")
    #expect(PythonText.lowercased(Array("ΟΔΥΣΣΕΥΣ".unicodeScalars)) == Array("οδυσσευς".unicodeScalars))
  }

  @Test func whitespaceMatchesPython() throws {
    let expected = Set(Fixtures.cases.pythonWhitespace)
    try #require(expected.count > 20)
    for value in UInt32(0)...0x10FFFF {
      guard let scalar = Unicode.Scalar(value) else { continue }
      #expect(PythonText.isWhitespace(scalar) == expected.contains(value), "U+\(String(value, radix: 16))")
    }
  }
}
