import Foundation

/// The parts of a `tokenizer.json` that transformers 5's `GemmaTokenizer` takes from it: the BPE model's
/// vocabulary, merges and unknown token, the added tokens and the post-processor. (The normalizer, pre-tokenizer and
/// decoder in the file are not read: the class rebuilds its own.)
///
/// Read by `JSONScanner` straight into the tables, no `String` per token: 0.17 s of processor time for a synthetic
/// file the size of Gemma's (28 MB) in a release build; see `GemmaTokenizer`.
struct TokenizerJSON {
  var modelType: String?
  var vocabulary = TokenTable(capacity: 1 << 18)
  var merges = MergeList()
  var unknownToken: String?
  /// `added_tokens`, as objects.
  var addedTokens: [[String: Any]] = []
  var postProcessor: [String: Any]?

  init(data: [UInt8], path: String) throws {
    var scanner = JSONScanner(data, path: path)
    try scanner.enterObject()
    var first = true
    var sawModel = false
    while let key = try scanner.nextMember(first: &first) {
      switch key {
      case "model":
        sawModel = true
        try readModel(&scanner)
      case "added_tokens":
        guard let list = try scanner.value() as? [Any] else {
          throw TokenizerError.invalidJSON(path: path, reason: "\"added_tokens\" is not an array")
        }
        addedTokens = try list.map {
          guard let object = $0 as? [String: Any] else {
            throw TokenizerError.invalidJSON(path: path, reason: "an entry of \"added_tokens\" is not an object")
          }
          return object
        }
      case "post_processor":
        let value = try scanner.value()
        if value is NSNull { continue }
        guard let object = value as? [String: Any] else {
          throw TokenizerError.invalidJSON(path: path, reason: "\"post_processor\" is not an object")
        }
        postProcessor = object
      default:
        try scanner.skipValue()
      }
    }
    try scanner.expectEnd()
    guard sawModel else { throw TokenizerError.invalidJSON(path: path, reason: "no \"model\" object") }
  }

  private mutating func readModel(_ scanner: inout JSONScanner) throws {
    try scanner.enterObject()
    var first = true
    while let key = try scanner.nextMember(first: &first) {
      switch key {
      case "type":
        modelType = try scanner.string()
      case "unk_token":
        let value = try scanner.value()
        unknownToken = value as? String
      case "vocab":
        guard scanner.peek() == UInt8(ascii: "{") else {
          throw scanner.error("\"model.vocab\" is not an object of token ids")
        }
        try scanner.enterObject()
        var firstEntry = true
        while !scanner.closes(UInt8(ascii: "}")) {
          if !firstEntry { try scanner.expect(UInt8(ascii: ",")) }
          firstEntry = false
          let token = try scanner.stringBytes()
          try scanner.expect(UInt8(ascii: ":"))
          let id = try scanner.integer()
          guard let narrow = Int32(exactly: id), narrow >= 0 else {
            throw TokenizerError.invalidTokenID(token: String(decoding: token, as: UTF8.self), id: id)
          }
          vocabulary.insert(token, id: narrow)
        }
      case "merges":
        try scanner.enterArray()
        var firstEntry = true
        while try scanner.nextElement(first: &firstEntry) {
          try merge(&scanner, number: merges.count + 1)
        }
      default:
        try scanner.skipValue()
      }
    }
  }

  /// A merge: "left right" (the old format) or ["left", "right"].
  private mutating func merge(_ scanner: inout JSONScanner, number: Int) throws {
    if scanner.peek() == UInt8(ascii: "[") {
      try scanner.enterArray()
      var first = true
      var parts: [ArraySlice<UInt8>] = []
      while try scanner.nextElement(first: &first) {
        guard scanner.peek() == UInt8(ascii: "\""), parts.count < 2 else {
          throw TokenizerError.invalidMerge(path: scanner.path, line: number, text: "not a pair of strings")
        }
        parts.append(try scanner.stringBytes())
      }
      guard parts.count == 2 else {
        throw TokenizerError.invalidMerge(path: scanner.path, line: number, text: "\(parts.count) strings")
      }
      merges.append(parts[0], parts[1])
      return
    }
    guard scanner.peek() == UInt8(ascii: "\"") else {
      throw TokenizerError.invalidMerge(path: scanner.path, line: number, text: "not a string or a pair")
    }
    let text = try scanner.stringBytes()
    let parts = text.split(separator: 0x20, omittingEmptySubsequences: false)
    guard parts.count == 2 else {
      throw TokenizerError.invalidMerge(path: scanner.path, line: number, text: String(decoding: text, as: UTF8.self))
    }
    merges.append(parts[0], parts[1])
  }
}

/// Merges in rank order, their bytes in one arena.
struct MergeList: Sendable {
  private var arena: [UInt8] = []
  /// Per merge: where the left part starts, where the right part starts, where it ends.
  private var bounds: [Int32] = []

  init() {}

  init(_ pairs: [(String, String)]) {
    for (left, right) in pairs { append(left.utf8, right.utf8) }
  }

  var count: Int { bounds.count / 3 }

  mutating func append<Left: Collection<UInt8>, Right: Collection<UInt8>>(_ left: Left, _ right: Right) {
    bounds.append(Int32(arena.count))
    arena.append(contentsOf: left)
    bounds.append(Int32(arena.count))
    arena.append(contentsOf: right)
    bounds.append(Int32(arena.count))
  }

  /// The bytes of merge `rank`'s two parts.
  subscript(rank: Int) -> (left: ArraySlice<UInt8>, right: ArraySlice<UInt8>) {
    let start = Int(bounds[3 * rank]), middle = Int(bounds[3 * rank + 1]), end = Int(bounds[3 * rank + 2])
    return (arena[start..<middle], arena[middle..<end])
  }
}
