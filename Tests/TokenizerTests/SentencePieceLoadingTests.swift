import Foundation
import Testing
@testable import Tokenizer

/// Bad SigLIP and Gemma tokenizer files are refused with the specific error; small hand-made models load.
struct SentencePieceLoadingTests {
  typealias Fixtures = SentencePieceFixtures

  // MARK: A protobuf writer for hand-made models

  static func varint(_ value: UInt64) -> [UInt8] {
    var value = value
    var bytes: [UInt8] = []
    repeat {
      bytes.append(UInt8(value & 0x7F) | (value > 0x7F ? 0x80 : 0))
      value >>= 7
    } while value > 0
    return bytes
  }

  static func field(_ number: Int, varint value: Int) -> [UInt8] {
    varint(UInt64(number << 3)) + varint(UInt64(bitPattern: Int64(value)))
  }

  static func field(_ number: Int, bytes: [UInt8]) -> [UInt8] {
    varint(UInt64(number << 3 | 2)) + varint(UInt64(bytes.count)) + bytes
  }

  static func field(_ number: Int, float: Float) -> [UInt8] {
    let bits = float.bitPattern
    return varint(UInt64(number << 3 | 5)) + (0..<4).map { UInt8(truncatingIfNeeded: bits >> (8 * $0)) }
  }

  /// A ModelProto with the given pieces (text, score, type) and model type; no charsmap (identity normalization).
  static func modelProto(_ pieces: [(String, Float, Int)], modelType: Int = 1) -> [UInt8] {
    var bytes: [UInt8] = []
    for (text, score, type) in pieces {
      bytes += field(1, bytes: field(1, bytes: Array(text.utf8)) + field(2, float: score) + field(3, varint: type))
    }
    bytes += field(2, bytes: field(3, varint: modelType))
    bytes += field(3, bytes: field(1, bytes: Array("identity".utf8)))
    return bytes
  }

  static let tinyPieces: [(String, Float, Int)] = [
    ("<unk>", 0, 2), ("<s>", 0, 3), ("</s>", 0, 3), ("\u{2581}", -1, 1), ("a", -2, 1), ("b", -2, 1),
    ("\u{2581}a", -1.5, 1), ("ab", -1, 1), ("\u{2581}ab", -0.5, 1),
  ]

  static func siglipDirectory(model: [UInt8]) throws -> TemporaryDirectory {
    let directory = try TemporaryDirectory()
    try Data(model).write(to: directory.url.appendingPathComponent("spiece.model"))
    return directory
  }

  // MARK: SigLIP

  @Test func handMadeUnigramModelEncodes() throws {
    let directory = try Self.siglipDirectory(model: Self.modelProto(Self.tinyPieces))
    let tokenizer = try SiglipTokenizer(directory: directory.url)
    // "▁ab" is one piece; "b" alone follows "▁" + "a"... scored by Viterbi: ▁ab (-0.5) beats ▁a + b (-3.5).
    #expect(tokenizer.encode("AB") == [8, 2])
    #expect(tokenizer.encode("ab ab") == [8, 8, 2])
    // "c" is unknown: the "<unk>" prefix trick leaves ▁ then the unknown run, merged as one <unk>.
    #expect(tokenizer.encode("a ccc") == [6, 3, 0, 2])
    #expect(tokenizer.encode("") == [2])
    #expect(tokenizer.vocabularySize == Self.tinyPieces.count)
    #expect(tokenizer.padTokenID == 2)
  }

  @Test func missingModelFile() throws {
    let directory = try TemporaryDirectory()
    let path = directory.url.appendingPathComponent("spiece.model").path
    #expect(throws: TokenizerError.missingFile(path: path)) { try SiglipTokenizer(directory: directory.url) }
  }

  @Test func truncatedModelFile() throws {
    let original = try Data(contentsOf: Fixtures.siglipDirectory.appendingPathComponent("spiece.model"))
    let directory = try Self.siglipDirectory(model: Array(original.prefix(5000)))
    let path = directory.url.appendingPathComponent("spiece.model").path
    #expect {
      try SiglipTokenizer(directory: directory.url)
    } throws: { error in
      guard case let .invalidModelProto(errorPath, reason) = error as? TokenizerError else { return false }
      return errorPath == path && reason.contains("runs past the end")
    }
  }

  @Test func notAProtobuf() throws {
    let directory = try Self.siglipDirectory(model: Array("{\"model\": \"not protobuf\"}".utf8))
    #expect {
      try SiglipTokenizer(directory: directory.url)
    } throws: { error in
      guard case let .invalidModelProto(_, reason) = error as? TokenizerError else { return false }
      return reason.contains("malformed protobuf") || reason.contains("wrong wire type")
    }
  }

  @Test func bpeModelIsRefused() throws {
    let directory = try Self.siglipDirectory(model: Self.modelProto(Self.tinyPieces, modelType: 2))
    let path = directory.url.appendingPathComponent("spiece.model").path
    #expect(throws: TokenizerError.unsupportedSentencePieceModel(path: path, type: "BPE")) {
      try SiglipTokenizer(directory: directory.url)
    }
  }

  @Test func modelWithoutUnknownPiece() throws {
    let pieces = Self.tinyPieces.map { ($0.0, $0.1, $0.2 == 2 ? 3 : $0.2) }
    let directory = try Self.siglipDirectory(model: Self.modelProto(pieces))
    let path = directory.url.appendingPathComponent("spiece.model").path
    #expect(throws: TokenizerError.invalidModelProto(path: path, reason: "the model has no unknown piece")) {
      try SiglipTokenizer(directory: directory.url)
    }
  }

  @Test func unknownPieceTypeIsRefused() throws {
    let directory = try Self.siglipDirectory(model: Self.modelProto(Self.tinyPieces + [("x", 0, 9)]))
    let path = directory.url.appendingPathComponent("spiece.model").path
    #expect(throws: TokenizerError.invalidModelProto(path: path, reason: "SentencePiece.type 9 is not a piece type")) {
      try SiglipTokenizer(directory: directory.url)
    }
  }

  @Test func protobufReaderErrors() throws {
    var overlong = ProtobufReader([0x08] + [UInt8](repeating: 0xFF, count: 10) + [0x01])
    #expect(throws: ProtobufReader.Error.overlongVarint(offset: 1)) { _ = try overlong.next() }
    var group = ProtobufReader([0x0B])
    #expect(throws: ProtobufReader.Error.invalidWireType(3, offset: 0)) { _ = try group.next() }
    var zero = ProtobufReader([0x00, 0x01])
    #expect(throws: ProtobufReader.Error.invalidFieldNumber(offset: 0)) { _ = try zero.next() }
    var short = ProtobufReader([0x0A, 0x05, 0x61])
    #expect(throws: ProtobufReader.Error.truncated(offset: 0)) { _ = try short.next() }
    var negative = ProtobufReader(Self.field(43, varint: -1))
    let (number, value) = try #require(try negative.next())
    #expect(number == 43)
    guard case let .varint(raw) = value else { Issue.record("not a varint"); return }
    #expect(Int32(truncatingIfNeeded: raw) == -1)
    #expect(negative.isAtEnd)
  }

  @Test func inMemoryModelMatchesDirectory() throws {
    let bytes = [UInt8](try Data(contentsOf: Fixtures.siglipDirectory.appendingPathComponent("spiece.model")))
    let tokenizer = try SiglipTokenizer(spieceModel: bytes)
    for item in Fixtures.cases.cases.prefix(50) {
      #expect(tokenizer.encode(item.text) == item.siglip, "\(item.text.debugDescription)")
    }
  }

  // MARK: Gemma

  static func gemmaDirectory(_ json: String) throws -> TemporaryDirectory {
    let directory = try TemporaryDirectory()
    try directory.write("tokenizer.json", json)
    return directory
  }

  static let tinyTokenizerJSON = """
    {"version": "1.0", "added_tokens": [{"id": 1, "content": "<eos>", "special": true, "normalized": false}],
     "normalizer": null, "pre_tokenizer": null,
     "post_processor": {"type": "TemplateProcessing", "single": [{"Sequence": {"id": "A", "type_id": 0}},
       {"SpecialToken": {"id": "<eos>", "type_id": 0}}], "pair": [],
       "special_tokens": {"<eos>": {"id": "<eos>", "ids": [1], "tokens": ["<eos>"]}}},
     "model": {"type": "BPE", "unk_token": "<unk>", "byte_fallback": true,
       "vocab": {"<pad>": 0, "<eos>": 1, "<bos>": 2, "<unk>": 3, "a": 4, "b": 5, "\\u2581": 6, "ab": 7, "\\u2581ab": 8,
         "\\u00e9": 9, "\\ud83d\\ude00": 10},
       "merges": [["a", "b"], "\\u2581 ab"]}}
    """

  @Test func handMadeTokenizerJSONEncodes() throws {
    let directory = try Self.gemmaDirectory(Self.tinyTokenizerJSON)
    let tokenizer = try GemmaTokenizer(directory: directory.url)
    #expect(tokenizer.encode("ab ab") == [7, 8, 1])
    #expect(tokenizer.encode("\u{E9}\u{1F600}") == [9, 10, 1])
    // No byte tokens in this vocabulary: unknown characters fuse into one <unk>.
    #expect(tokenizer.encode("xyz a") == [3, 6, 4, 1])
    #expect(tokenizer.encode("") == [1])
    #expect(tokenizer.padTokenID == 0)
    #expect(tokenizer.vocabularySize == 12)  // 11 tokens and <mask>, added
  }

  @Test func missingTokenizerJSON() throws {
    let directory = try TemporaryDirectory()
    let path = directory.url.appendingPathComponent("tokenizer.json").path
    #expect(throws: TokenizerError.missingFile(path: path)) { try GemmaTokenizer(directory: directory.url) }
  }

  @Test func truncatedTokenizerJSON() throws {
    let directory = try Self.gemmaDirectory(String(Self.tinyTokenizerJSON.prefix(400)))
    let path = directory.url.appendingPathComponent("tokenizer.json").path
    #expect {
      try GemmaTokenizer(directory: directory.url)
    } throws: { error in
      guard case let .invalidJSON(errorPath, reason) = error as? TokenizerError else { return false }
      return errorPath == path && reason.contains("at byte")
    }
  }

  @Test func unigramTokenizerJSONIsRefused() throws {
    let json = Self.tinyTokenizerJSON.replacingOccurrences(of: "\"type\": \"BPE\"", with: "\"type\": \"Unigram\"")
    let directory = try Self.gemmaDirectory(json)
    #expect(throws: TokenizerError.unsupportedModel(type: "Unigram")) { try GemmaTokenizer(directory: directory.url) }
  }

  @Test func otherPostProcessorIsRefused() throws {
    let json = Self.tinyTokenizerJSON.replacingOccurrences(
      of: "\"type\": \"TemplateProcessing\"", with: "\"type\": \"ByteLevel\"")
    let directory = try Self.gemmaDirectory(json)
    let path = directory.url.appendingPathComponent("tokenizer.json").path
    #expect(throws: TokenizerError.unsupportedPostProcessor(path: path, type: "ByteLevel")) {
      try GemmaTokenizer(directory: directory.url)
    }
  }

  @Test func mergeOutsideVocabularyIsRefused() throws {
    let json = Self.tinyTokenizerJSON.replacingOccurrences(of: "[\"a\", \"b\"]", with: "[\"a\", \"q\"]")
    let directory = try Self.gemmaDirectory(json)
    #expect(throws: TokenizerError.mergeTokenNotInVocabulary(rank: 0, token: "q")) {
      try GemmaTokenizer(directory: directory.url)
    }
  }

  @Test func jsonScannerReadsEscapesAndRefusesBadStrings() throws {
    var scanner = JSONScanner(Array(#""caf\u00e9 \ud83d\ude00 \"q\" \\ \/""#.utf8), path: "x")
    #expect(try scanner.string() == "caf\u{E9} \u{1F600} \"q\" \\ /")
    for bad in [#""\ud83d""#, #""\x""#, "\"a\u{01}\"", #""open"#] {
      var scanner = JSONScanner(Array(bad.utf8), path: "x")
      #expect(throws: TokenizerError.self, "\(bad.debugDescription)") { _ = try scanner.string() }
    }
    var invalid = JSONScanner([0x22, 0xC3, 0x28, 0x22], path: "x")
    #expect(throws: TokenizerError.self) { _ = try invalid.stringBytes() }
    #expect(JSONScanner.isValidUTF8(Array("é😀東".utf8)[...]))
    for bytes: [UInt8] in [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] {
      #expect(!JSONScanner.isValidUTF8(bytes[...]), "\(bytes)")
    }
    var numbers = JSONScanner(Array("[1, -2, 3.5, 1e3, true, null]".utf8), path: "x")
    let value = try #require(try numbers.value() as? [Any])
    #expect(value[0] as? Int == 1 && value[1] as? Int == -2 && value[2] as? Double == 3.5)
    #expect(value[3] as? Double == 1000 && value[4] as? Bool == true && value[5] is NSNull)
  }

  @Test func vocabularyKeysAreExactBytes() throws {
    var table = TokenTable()
    table.insert("\u{1F71}".utf8, id: 1)
    table.insert("\u{03AC}".utf8, id: 2)
    #expect(table["\u{1F71}"] == 1 && table["\u{03AC}"] == 2 && table.count == 2)
    #expect(table.id(concatenating: "a".utf8, "\u{03AC}".utf8) == nil)
    table.insert("a\u{03AC}".utf8, id: 3)
    #expect(table.id(concatenating: "a".utf8, "\u{03AC}".utf8) == 3)
    #expect(table.id(concatenating: "a\u{03AC}".utf8, "".utf8) == 3)
    #expect(ExactString("\u{1F71}") != ExactString("\u{03AC}"))
  }

  // MARK: Choosing the tokenizer

  @Test func loaderPicksTheTokenizerOfEachDirectory() throws {
    #expect(try TokenizerLoader.kind(of: Fixtures.siglipDirectory) == .siglip)
    #expect(try TokenizerLoader.kind(of: Fixtures.gemmaDirectory) == .gemma)
    #expect(try TokenizerLoader.kind(of: ReferenceFixtures.directory.appendingPathComponent("clip")) == .clip)
    #expect(try TokenizerLoader.kind(of: ReferenceFixtures.directory.appendingPathComponent("clip-small-json")) == .clip)
    let siglip2 = try Fixtures.directory(
      copying: [Fixtures.gemmaDirectory.appendingPathComponent("tokenizer.json"),
                Fixtures.gemmaDirectory.appendingPathComponent("tokenizer_config.json")],
      json: ["config.json": ["model_type": "siglip2"]])
    #expect(try TokenizerLoader.kind(of: siglip2.url) == .siglip2)
    let loaded = try TokenizerLoader.load(siglip2.url)
    let item = try #require(Fixtures.cases.cases.first { $0.siglip2 != $0.gemma })
    #expect(loaded.encode(item.text) == item.siglip2)
    #expect(try TokenizerLoader.load(Fixtures.siglipDirectory) is SiglipTokenizer)

    let bert = try Fixtures.directory(copying: [], json: ["tokenizer_config.json": ["tokenizer_class": "BertTokenizer"]])
    #expect(throws: TokenizerError.unsupportedTokenizerClass("BertTokenizer", supported: TokenizerLoader.Kind.allCases.map(\.rawValue))) {
      try TokenizerLoader.kind(of: bert.url)
    }
    let empty = try TemporaryDirectory()
    #expect(throws: TokenizerError.missingFiles(directory: empty.url.path)) { try TokenizerLoader.kind(of: empty.url) }
  }
}
