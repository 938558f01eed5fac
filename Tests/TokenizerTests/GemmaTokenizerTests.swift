import Foundation
import Testing
@testable import Tokenizer

/// Token ids equal to transformers' `GemmaTokenizer` and `Siglip2Tokenizer` on the corpus of
/// `Fixtures/make_sentencepiece_fixtures.py`.
struct GemmaTokenizerTests {
  typealias Fixtures = SentencePieceFixtures

  static func load(lowercases: Bool? = nil) -> GemmaTokenizer {
    do {
      return try GemmaTokenizer(directory: Fixtures.gemmaDirectory, lowercases: lowercases)
    } catch {
      fatalError("cannot load the Gemma fixture tokenizer: \(error)")
    }
  }

  static let gemma = load()
  static let siglip2 = load(lowercases: true)

  @Test func idsMatchGemmaTokenizer() throws {
    try #require(Fixtures.cases.cases.count >= 400)
    #expect(Fixtures.cases.cases.contains { $0.gemma.count == Fixtures.cases.maxLength })
    for item in Fixtures.cases.cases {
      #expect(Self.gemma.encode(item.text) == item.gemma, "\(item.text.debugDescription)")
    }
  }

  @Test func idsMatchSiglip2Tokenizer() throws {
    try #require(Fixtures.cases.cases.count >= 400)
    for item in Fixtures.cases.cases {
      #expect(Self.siglip2.encode(item.text) == item.siglip2, "\(item.text.debugDescription)")
    }
  }

  @Test func factsMatchReference() {
    let tokenizer = Self.gemma
    #expect(tokenizer.maxLength == 64)
    #expect(tokenizer.padTokenID == Fixtures.cases.gemmaPadTokenID)
    #expect(tokenizer.vocabularySize == Fixtures.cases.gemmaVocabularySize)
    #expect(tokenizer.prefixIDs.isEmpty)
    #expect(tokenizer.suffixIDs == [1])
    #expect(!tokenizer.lowercases)
  }

  /// tokenizer_config.json as SigLIP 2's repos have it, with `add_bos_token` / `add_eos_token` varied (transformers
  /// 5 ignores them beside tokenizer.json), with and without `added_tokens_decoder`, and with config.json saying
  /// `siglip2` (lower-casing).
  @Test func hubConfigurationsMatchReference() throws {
    let variants = Fixtures.cases.gemmaVariants
    try #require(variants.count >= 6)
    #expect(variants.contains { $0.tokenizerClass == "Siglip2Tokenizer" })
    for variant in variants {
      let directory = try Fixtures.directory(
        copying: [Fixtures.gemmaDirectory.appendingPathComponent("tokenizer.json")],
        json: ["tokenizer_config.json": variant.config.value, "config.json": ["model_type": variant.modelType]])
      let tokenizer = try GemmaTokenizer(directory: directory.url)
      #expect(tokenizer.lowercases == (variant.tokenizerClass == "Siglip2Tokenizer"), "\(variant.name)")
      try #require(variant.ids.count == Fixtures.cases.probes.count)
      for (probe, ids) in zip(Fixtures.cases.probes, variant.ids) {
        #expect(tokenizer.encode(probe) == ids, "\(variant.name): \(probe.debugDescription)")
      }
    }
  }

  @Test func lowerCasingMatchesTokenizers() throws {
    let table = Fixtures.cases.rustLower
    try #require(table.count > 1000)
    var mismatches: [String] = []
    for value in UInt32(0)...0x10FFFF {
      guard let scalar = Unicode.Scalar(value) else { continue }
      let expected = table[String(value)].map { $0.map { Unicode.Scalar($0)! } } ?? [scalar]
      if RustText.lowercased(scalar) != expected { mismatches.append(String(value, radix: 16)) }
    }
    #expect(mismatches.isEmpty, "tokenizers lower-cases differently: \(mismatches.prefix(40))")
  }
}
