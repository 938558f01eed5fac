import Foundation
import Testing
@testable import Tokenizer

/// Loading a `tokenizer.json` the size of SigLIP 2's (Gemma's: 256,000 tokens, ~500,000 merges, ~32 MB), made on
/// demand in a temporary directory. Slow in a debug build, so it runs only when `TOKENIZER_LOAD_BENCHMARK` is set;
/// in a release build (`TOKENIZER_LOAD_BENCHMARK=1 swift test -c release --filter GemmaTokenizerLoadTests`) it also
/// requires the load to take under a second.
struct GemmaTokenizerLoadTests {
  /// A deterministic vocabulary grown as BPE training grows one (each new token the merge of two earlier ones),
  /// plus the further merges a converted SentencePiece model lists (every split of a token into two tokens), written
  /// pretty-printed as `tokenizers` writes it.
  static func syntheticTokenizerJSON(tokens: Int = 256_000, merges mergeTarget: Int = 500_000) -> Data {
    var generator = SystemRandomNumberGeneratorSeeded(seed: 15)
    var vocabulary: [String] = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>"]
    vocabulary += (0...255).map { UnigramModel.bytePiece(UInt8($0)) }
    var alphabet: [String] = ["\u{2581}"]
    alphabet += (0x21...0x7E).map { String(Unicode.Scalar(UInt8($0))) }
    alphabet += (0xC0...0x17F).map { String(Unicode.Scalar($0)!) }
    alphabet += (0x4E00..<0x5600).map { String(Unicode.Scalar($0)!) }
    vocabulary += alphabet
    var known = Set(vocabulary.map { ExactString($0) })
    var merges: [(String, String)] = []
    var words = alphabet
    while vocabulary.count < tokens {
      let left = words[Int(generator.next() % UInt64(min(words.count, 40_000)))]
      let right = words[Int(generator.next() % UInt64(words.count))]
      let token = left + right
      guard token.unicodeScalars.count <= 12, known.insert(ExactString(token)).inserted else { continue }
      vocabulary.append(token)
      words.append(token)
      merges.append((left, right))
    }
    var seen = Set(merges.map { ExactString($0.0 + " " + $0.1) })
    outer: for token in words where token.unicodeScalars.count >= 3 {
      let scalars = Array(token.unicodeScalars)
      for split in 1..<scalars.count {
        let left = String(String.UnicodeScalarView(scalars[..<split]))
        let right = String(String.UnicodeScalarView(scalars[split...]))
        guard known.contains(ExactString(left)), known.contains(ExactString(right)),
              seen.insert(ExactString(left + " " + right)).inserted
        else { continue }
        merges.append((left, right))
        if merges.count >= mergeTarget { break outer }
      }
    }
    func quoted(_ text: String) -> String {
      var out = "\""
      for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        default: out.unicodeScalars.append(scalar)
        }
      }
      return out + "\""
    }
    var json = """
      {
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": [
          {"id": 0, "content": "<pad>", "single_word": false, "lstrip": false, "rstrip": false, \
      "normalized": false, "special": true},
          {"id": 1, "content": "<eos>", "single_word": false, "lstrip": false, "rstrip": false, \
      "normalized": false, "special": true}
        ],
        "normalizer": {"type": "Replace", "pattern": {"String": " "}, "content": "\\u2581"},
        "pre_tokenizer": null,
        "post_processor": {"type": "TemplateProcessing", "single": [{"Sequence": {"id": "A", "type_id": 0}}, \
      {"SpecialToken": {"id": "<eos>", "type_id": 0}}], "pair": [], "special_tokens": {"<eos>": {"id": "<eos>", \
      "ids": [1], "tokens": ["<eos>"]}}},
        "decoder": null,
        "model": {
          "type": "BPE",
          "dropout": null,
          "unk_token": "<unk>",
          "fuse_unk": true,
          "byte_fallback": true,
          "ignore_merges": false,
          "vocab": {

      """
    json += vocabulary.enumerated().map { "      \(quoted($1)): \($0)" }.joined(separator: ",\n")
    json += "\n    },\n    \"merges\": [\n"
    json += merges.map { "      [\n        \(quoted($0.0)),\n        \(quoted($0.1))\n      ]" }
      .joined(separator: ",\n")
    json += "\n    ]\n  }\n}\n"
    return Data(json.utf8)
  }

  @Test(.enabled(if: ProcessInfo.processInfo.environment["TOKENIZER_LOAD_BENCHMARK"] != nil))
  func fullSizeTokenizerJSONLoadsQuickly() throws {
    let directory = try TemporaryDirectory()
    let data = Self.syntheticTokenizerJSON()
    try data.write(to: directory.url.appendingPathComponent("tokenizer.json"))
    let wallClock = ContinuousClock()
    var tokenizer: GemmaTokenizer?
    let processorStart = clock()
    let elapsed = try wallClock.measure { tokenizer = try GemmaTokenizer(directory: directory.url) }
    // Processor time, not wall time: the machines that run this are shared and often loaded.
    let processorSeconds = Double(clock() - processorStart) / Double(CLOCKS_PER_SEC)
    let loaded = try #require(tokenizer)
    #expect(loaded.vocabularySize == 256_000)
    #expect(loaded.encode("") == [1])
    print("tokenizer.json of \(data.count) bytes loaded in \(processorSeconds) s of processor time (\(elapsed) wall)")
    #if !DEBUG
      #expect(processorSeconds < 1)
    #endif
  }
}

/// SplitMix64: a seeded generator, so the synthetic file is the same on every run.
struct SystemRandomNumberGeneratorSeeded: RandomNumberGenerator {
  private var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var value = state
    value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
    value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
    return value ^ (value >> 31)
  }
}
