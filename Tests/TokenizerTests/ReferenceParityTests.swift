import Foundation
import Testing
@testable import Tokenizer

/// Token ids equal to Hugging Face `CLIPTokenizerFast` on the corpus of `Fixtures/make_fixtures.py`.
@Suite(.timeLimit(.minutes(5))) struct ReferenceParityTests {
  typealias Fixtures = ReferenceFixtures

  @Test func corpusIsLargeAndVaried() {
    let cases = Fixtures.cases.cases
    #expect(cases.count >= 500)
    #expect(cases.contains { $0.text.isEmpty })
    #expect(cases.contains { $0.ids.count == Fixtures.cases.maxLength })
    #expect(cases.contains { $0.text.contains("<|endoftext|>") })
  }

  @Test func fullVocabularyMatchesReference() {
    let tokenizer = Fixtures.full
    #expect(tokenizer.maxLength == Fixtures.cases.maxLength)
    for item in Fixtures.cases.cases {
      #expect(tokenizer.encode(item.text) == item.ids, "\(item.text.debugDescription)")
    }
  }

  @Test func smallVocabularyMatchesReference() {
    for item in Fixtures.cases.cases {
      #expect(Fixtures.small.encode(item.text) == item.idsSmall, "\(item.text.debugDescription)")
    }
  }

  @Test func tokenizerJSONGivesTheSameIds() {
    #expect(Fixtures.smallFromJSON.vocabularySize == Fixtures.small.vocabularySize)
    for item in Fixtures.cases.cases {
      #expect(Fixtures.smallFromJSON.encode(item.text) == item.idsSmall, "\(item.text.debugDescription)")
    }
  }

  /// The edit the fixture script makes: every added token of `clip-small-json` marked `normalized: true`.
  @Test func normalizedAddedTokensMatchReference() throws {
    let directory = try Self.directoryWithNormalizedAddedTokens()
    let tokenizer = try CLIPTokenizer(directory: directory.url)
    #expect(Fixtures.cases.cases.contains { $0.text == "<|ENDOFTEXT|>" && $0.idsSmallNormalizedSpecials != nil })
    for item in Fixtures.cases.cases {
      let expected = item.idsSmallNormalizedSpecials ?? item.idsSmall
      #expect(tokenizer.encode(item.text) == expected, "\(item.text.debugDescription)")
    }
  }

  /// With `vocab.json` and `merges.txt` beside it, `tokenizer.json` still decides, as in transformers.
  @Test func tokenizerJSONWinsOverVocabularyFiles() throws {
    let directory = try Self.directoryWithNormalizedAddedTokens()
    let small = Fixtures.directory.appendingPathComponent("clip-small")
    try FileManager.default.removeItem(at: directory.url.appendingPathComponent("tokenizer_config.json"))
    for name in ["vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"] {
      try FileManager.default.copyItem(
        at: small.appendingPathComponent(name), to: directory.url.appendingPathComponent(name))
    }
    let tokenizer = try CLIPTokenizer(directory: directory.url)
    for item in Fixtures.cases.cases {
      let expected = item.idsSmallNormalizedSpecials ?? item.idsSmall
      #expect(tokenizer.encode(item.text) == expected, "\(item.text.debugDescription)")
    }
  }

  /// Special tokens declared as strings or token objects, with or without `added_tokens_decoder` and
  /// tokenizer.json: the script's `config_variants`, each probed with a few texts holding special-token strings.
  @Test func hubTokenizerConfigsMatchReference() throws {
    let variants = Fixtures.cases.configVariants
    #expect(variants.count >= 30)
    let small = Fixtures.directory.appendingPathComponent("clip-small")
    for (number, variant) in variants.enumerated() {
      let directory = variant.tokenizerJSON ? try Self.directoryWithNormalizedAddedTokens() : try TemporaryDirectory()
      for name in ["vocab.json", "merges.txt"] {
        try FileManager.default.copyItem(
          at: small.appendingPathComponent(name), to: directory.url.appendingPathComponent(name))
      }
      let configURL = directory.url.appendingPathComponent("tokenizer_config.json")
      try? FileManager.default.removeItem(at: configURL)
      try JSONSerialization.data(withJSONObject: variant.config.value).write(to: configURL)
      let tokenizer = try CLIPTokenizer(directory: directory.url)
      for (text, ids) in zip(Fixtures.cases.configProbes, variant.ids) {
        #expect(tokenizer.encode(text) == ids, "variant \(number) \(variant.config.value) \(text)")
      }
    }
  }

  private static func directoryWithNormalizedAddedTokens() throws -> TemporaryDirectory {
    let source = Fixtures.directory.appendingPathComponent("clip-small-json")
    let directory = try TemporaryDirectory()
    var json = try #require(
      JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("tokenizer.json")))
        as? [String: Any])
    let tokens = try #require(json["added_tokens"] as? [[String: Any]])
    json["added_tokens"] = tokens.map { token in token.merging(["normalized": true]) { $1 } }
    try JSONSerialization.data(withJSONObject: json).write(to: directory.url.appendingPathComponent("tokenizer.json"))
    try FileManager.default.copyItem(
      at: source.appendingPathComponent("tokenizer_config.json"),
      to: directory.url.appendingPathComponent("tokenizer_config.json"))
    return directory
  }

  @Test func normalizerMatchesReference() {
    for item in Fixtures.cases.cases {
      let normalized = Normalizer.normalize(item.text.unicodeScalars)
      let expected = Array(item.normalized.unicodeScalars)
      #expect(normalized == expected,
              "\(item.text.debugDescription): \(Fixtures.hex(normalized)) vs \(Fixtures.hex(expected))")
    }
  }

  /// The zero-shot pipeline fills "This is a photo of {}." and pads the batch with the end token.
  @Test func pipelineTemplateSentencesMatchReference() {
    let tokenizer = Fixtures.full
    #expect(!Fixtures.cases.templates.isEmpty)
    for sentence in Fixtures.cases.templates {
      let length = sentence.attentionMask.reduce(0, +)
      let ids = tokenizer.encode(sentence.text)
      #expect(ids == Array(sentence.ids[..<length]), "\(sentence.text)")
      #expect(sentence.ids[length...].allSatisfy { $0 == tokenizer.padTokenID })
    }
    #expect(tokenizer.encode("This is a photo of cat.") == [49406, 589, 533, 320, 1125, 539, 2368, 269, 49407])
  }

  /// About 1 MB each: same ids as the reference. The time bound only catches quadratic behaviour (which takes
  /// hours at this size); in a release build each takes under a second (figures in `CLIPTokenizer`'s
  /// documentation).
  @Test func megabyteTextsMatchReference() {
    for item in Fixtures.cases.repeated {
      let text = String(repeating: item.unit, count: item.count)
      let clock = ContinuousClock()
      var ids: [Int] = []
      let elapsed = clock.measure { ids = Fixtures.full.encode(text) }
      #expect(ids == item.ids, "\(item.unit.debugDescription) × \(item.count)")
      #expect(elapsed < .seconds(120), "\(item.unit.debugDescription) × \(item.count) took \(elapsed)")
    }
  }

  @Test func concurrentEncodingGivesSequentialResults() {
    let tokenizer = Fixtures.full
    let cases = Fixtures.cases.cases
    let results = ResultBox(count: cases.count)
    DispatchQueue.concurrentPerform(iterations: 8) { worker in
      for index in stride(from: worker, to: cases.count, by: 8) {
        results.set(index, tokenizer.encode(cases[index].text))
      }
    }
    for (index, item) in cases.enumerated() {
      #expect(results.get(index) == item.ids, "\(item.text.debugDescription)")
    }
  }
}

/// Results written from several threads.
private final class ResultBox: @unchecked Sendable {
  private let lock = NSLock()
  private var values: [[Int]]

  init(count: Int) { values = Array(repeating: [], count: count) }

  func set(_ index: Int, _ value: [Int]) {
    lock.lock()
    values[index] = value
    lock.unlock()
  }

  func get(_ index: Int) -> [Int] {
    lock.lock()
    defer { lock.unlock() }
    return values[index]
  }
}
