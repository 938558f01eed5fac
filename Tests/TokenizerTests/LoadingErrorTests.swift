import Foundation
import Testing
@testable import Tokenizer

/// Bad tokenizer files are refused with the specific error.
@Suite(.timeLimit(.minutes(5))) struct LoadingErrorTests {
  /// The 512 byte-level symbols (with and without `</w>`) and the two special tokens: a valid vocabulary.
  static func byteVocabulary(extra: [String] = []) -> [String: Int] {
    let symbols = ByteLevel.symbols.map { String(Character($0)) }
    let tokens = symbols + symbols.map { $0 + "</w>" } + extra + ["<|startoftext|>", "<|endoftext|>"]
    return Dictionary(uniqueKeysWithValues: tokens.enumerated().map { ($1, $0) })
  }

  static func json(_ object: Any) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
  }

  /// A directory in the Hub layout with the given merges.txt body.
  static func hubDirectory(vocabulary: [String: Int] = byteVocabulary(extra: ["ab</w>"]),
                           merges: String = "#version: 0.2\na b</w>\n") throws -> TemporaryDirectory {
    let directory = try TemporaryDirectory()
    try directory.write("vocab.json", try json(vocabulary))
    try directory.write("merges.txt", merges)
    return directory
  }

  @Test func validMinimalDirectoryLoads() throws {
    let directory = try Self.hubDirectory()
    let tokenizer = try CLIPTokenizer(directory: directory.url)
    let ab = try #require(Self.byteVocabulary(extra: ["ab</w>"])["ab</w>"])
    #expect(tokenizer.encode("AB") == [tokenizer.bosTokenID, ab, tokenizer.eosTokenID])
    #expect(tokenizer.maxLength == 77)
  }

  @Test func emptyDirectory() throws {
    let directory = try TemporaryDirectory()
    #expect(throws: TokenizerError.missingFiles(directory: directory.url.path)) {
      try CLIPTokenizer(directory: directory.url)
    }
  }

  @Test func vocabularyNotJSON() throws {
    let directory = try Self.hubDirectory()
    try directory.write("vocab.json", "{\"a\": 1,")
    let path = directory.url.appendingPathComponent("vocab.json").path
    #expect {
      try CLIPTokenizer(directory: directory.url)
    } throws: { error in
      guard case let .invalidJSON(errorPath, _) = error as? TokenizerError else { return false }
      return errorPath == path
    }
  }

  @Test func vocabularyWithStringIds() throws {
    let directory = try Self.hubDirectory()
    try directory.write("vocab.json", "{\"a\": \"1\"}")
    let path = directory.url.appendingPathComponent("vocab.json").path
    #expect(throws: TokenizerError.invalidJSON(path: path, reason: "the id of \"a\" is not an integer")) {
      try CLIPTokenizer(directory: directory.url)
    }
  }

  @Test func mergeLineWithThreeTokens() throws {
    let directory = try Self.hubDirectory(merges: "#version: 0.2\na b</w>\na b c\n")
    let path = directory.url.appendingPathComponent("merges.txt").path
    #expect(throws: TokenizerError.invalidMerge(path: path, line: 3, text: "a b c")) {
      try CLIPTokenizer(directory: directory.url)
    }
  }

  @Test func emptyMergeLine() throws {
    let directory = try Self.hubDirectory(merges: "#version: 0.2\n\na b</w>\n")
    let path = directory.url.appendingPathComponent("merges.txt").path
    #expect(throws: TokenizerError.invalidMerge(path: path, line: 2, text: "")) {
      try CLIPTokenizer(directory: directory.url)
    }
  }

  @Test func mergeOfUnknownToken() throws {
    let directory = try Self.hubDirectory(merges: "#version: 0.2\na b</w>\nzz b\n")
    #expect(throws: TokenizerError.mergeTokenNotInVocabulary(rank: 1, token: "zz")) {
      try CLIPTokenizer(directory: directory.url)
    }
  }

  @Test func mergeProducingUnknownToken() throws {
    let directory = try Self.hubDirectory(merges: "#version: 0.2\nc d\n")
    #expect(throws: TokenizerError.mergeResultNotInVocabulary(rank: 0, token: "cd")) {
      try CLIPTokenizer(directory: directory.url)
    }
  }

  @Test func specialTokenMissing() throws {
    var vocabulary = Self.byteVocabulary()
    vocabulary["<|startoftext|>"] = nil
    let directory = try Self.hubDirectory(vocabulary: vocabulary, merges: "#version: 0.2\n")
    #expect(throws: TokenizerError.specialTokenNotInVocabulary(role: "bos", token: "<|startoftext|>")) {
      try CLIPTokenizer(directory: directory.url)
    }
  }

  @Test func maxLengthTooSmall() throws {
    let directory = try Self.hubDirectory()
    try directory.write("tokenizer_config.json", "{\"model_max_length\": 1}")
    #expect(throws: TokenizerError.invalidMaxLength("1")) {
      try CLIPTokenizer(directory: directory.url)
    }
  }

  @Test func maxLengthFromConfigAndOverride() throws {
    let directory = try Self.hubDirectory()
    try directory.write("tokenizer_config.json", "{\"model_max_length\": 5}")
    let configured = try CLIPTokenizer(directory: directory.url)
    #expect(configured.maxLength == 5)
    #expect(configured.encode("a b c d e f").count == 5)
    #expect(try CLIPTokenizer(directory: directory.url, maxLength: 77).encode("a b c d e f").count == 8)
  }

  @Test func wordPieceModel() throws {
    let directory = try TemporaryDirectory()
    try directory.write("tokenizer.json", try Self.json(["model": ["type": "WordPiece", "vocab": ["a": 0]]]))
    #expect(throws: TokenizerError.unsupportedModel(type: "WordPiece")) {
      try CLIPTokenizer(directory: directory.url)
    }
  }

  @Test func tokenizerJSONMergeWithOnePart() throws {
    let directory = try TemporaryDirectory()
    let model: [String: Any] = ["type": "BPE", "vocab": Self.byteVocabulary(), "merges": ["ab"]]
    try directory.write("tokenizer.json", try Self.json(["model": model]))
    let path = directory.url.appendingPathComponent("tokenizer.json").path
    #expect(throws: TokenizerError.invalidMerge(path: path, line: 1, text: "ab")) {
      try CLIPTokenizer(directory: directory.url)
    }
  }

  @Test func addedTokenWithLstrip() throws {
    let directory = try TemporaryDirectory()
    let model: [String: Any] = ["type": "BPE", "vocab": Self.byteVocabulary(), "merges": [String]()]
    let token: [String: Any] = ["id": 513, "content": "<|endoftext|>", "lstrip": true, "normalized": false]
    try directory.write("tokenizer.json", try Self.json(["model": model, "added_tokens": [token]]))
    #expect(throws: TokenizerError.unsupportedAddedToken(content: "<|endoftext|>", option: "lstrip")) {
      try CLIPTokenizer(directory: directory.url)
    }
  }

  @Test func missingByteSymbolWithoutUnknownToken() throws {
    var vocabulary = Self.byteVocabulary()
    vocabulary["\u{100}"] = nil  // the symbol of byte 0
    #expect(throws: TokenizerError.byteSymbolNotInVocabulary(byte: 0, symbol: "\u{100}")) {
      try CLIPTokenizer(vocabulary: vocabulary, merges: [], unknownToken: nil)
    }
  }

  @Test func missingByteSymbolBecomesUnknownToken() throws {
    var vocabulary = Self.byteVocabulary()
    vocabulary["\u{100}</w>"] = nil
    let tokenizer = try CLIPTokenizer(vocabulary: vocabulary, merges: [])
    #expect(tokenizer.encode("a\u{0}") == [tokenizer.bosTokenID, vocabulary["a</w>"]!, tokenizer.eosTokenID,
                                           tokenizer.eosTokenID])
  }

  @Test func negativeTokenID() throws {
    var vocabulary = Self.byteVocabulary()
    vocabulary["x</w>"] = -3
    #expect(throws: TokenizerError.invalidTokenID(token: "x</w>", id: -3)) {
      try CLIPTokenizer(vocabulary: vocabulary, merges: [])
    }
  }

  @Test func errorsDescribeThemselves() {
    let error = TokenizerError.mergeTokenNotInVocabulary(rank: 4, token: "zz")
    #expect(error.description == "merge 4 refers to \"zz\", which is not in the vocabulary")
  }
}
