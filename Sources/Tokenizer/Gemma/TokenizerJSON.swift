import Foundation

/// The parts of a `tokenizer.json` that transformers 5's `GemmaTokenizer` takes from it: the BPE model's
/// vocabulary, merges and unknown token, the added tokens and the post-processor. (The normalizer, pre-tokenizer and
/// decoder in the file are not read: the class rebuilds its own.)
///
/// Read by `JSONScanner` straight into the tables: 0.2 s for a synthetic file the size of Gemma's (32 MB, 256,000
/// tokens, 500,000 merges) in a release build; see `GemmaTokenizer`.
struct TokenizerJSON {
  var modelType: String?
  var vocabulary: [ExactString: Int32] = [:]
  var merges: [(String, String)] = []
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
        while let token = try scanner.nextMember(first: &firstEntry) {
          let id = try scanner.integer()
          guard let narrow = Int32(exactly: id), narrow >= 0 else {
            throw TokenizerError.invalidTokenID(token: token, id: id)
          }
          vocabulary[ExactString(token)] = narrow
        }
      case "merges":
        try scanner.enterArray()
        var firstEntry = true
        while try scanner.nextElement(first: &firstEntry) {
          merges.append(try merge(&scanner, number: merges.count + 1))
        }
      default:
        try scanner.skipValue()
      }
    }
  }

  /// A merge: "left right" (the old format) or ["left", "right"].
  private func merge(_ scanner: inout JSONScanner, number: Int) throws -> (String, String) {
    if scanner.peek() == UInt8(ascii: "[") {
      try scanner.enterArray()
      var first = true
      var parts: [String] = []
      while try scanner.nextElement(first: &first) {
        guard scanner.peek() == UInt8(ascii: "\""), parts.count < 2 else {
          throw TokenizerError.invalidMerge(path: scanner.path, line: number, text: "not a pair of strings")
        }
        parts.append(try scanner.string())
      }
      guard parts.count == 2 else {
        throw TokenizerError.invalidMerge(path: scanner.path, line: number, text: parts.description)
      }
      return (parts[0], parts[1])
    }
    guard scanner.peek() == UInt8(ascii: "\"") else {
      throw TokenizerError.invalidMerge(path: scanner.path, line: number, text: "not a string or a pair")
    }
    let text = try scanner.string()
    let parts = text.split(separator: " ", omittingEmptySubsequences: false)
    guard parts.count == 2 else { throw TokenizerError.invalidMerge(path: scanner.path, line: number, text: text) }
    return (String(parts[0]), String(parts[1]))
  }
}
