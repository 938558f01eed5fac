/// Byte-level BPE with CLIP's end-of-word suffix, merging exactly as `tokenizers`' `Word::merge_all` does.
///
/// A word is the UTF-8 bytes of one piece. Each byte starts as its byte-level symbol, the last one with the
/// `</w>` suffix; then `MergeRules` merges them.
struct BytePairEncoding: Sendable {
  private let rules: MergeRules
  /// The id of each byte's symbol inside a word, and at the end of a word (with `</w>`).
  private let byteIDs: [Int32]
  private let finalByteIDs: [Int32]

  static let endOfWordSuffix = "</w>"

  /// - Throws: `TokenizerError` when a merge refers to or produces a token the vocabulary lacks, an id is
  ///   invalid, or a byte has no symbol and `unknownID` is nil.
  init(vocabulary: [String: Int], merges: [(String, String)], unknownID: Int?) throws {
    func id(_ token: String) throws -> Int32? {
      guard let id = vocabulary[token] else { return nil }
      guard let narrow = Int32(exactly: id), narrow >= 0 else {
        throw TokenizerError.invalidTokenID(token: token, id: id)
      }
      return narrow
    }
    var rules = MergeRules(capacity: merges.count)
    for (rank, (left, right)) in merges.enumerated() {
      guard let leftID = try id(left) else { throw TokenizerError.mergeTokenNotInVocabulary(rank: rank, token: left) }
      guard let rightID = try id(right) else {
        throw TokenizerError.mergeTokenNotInVocabulary(rank: rank, token: right)
      }
      guard let resultID = try id(left + right) else {
        throw TokenizerError.mergeResultNotInVocabulary(rank: rank, token: left + right)
      }
      rules.append(left: leftID, right: rightID, result: resultID)
    }
    self.rules = rules

    func symbolID(_ name: String, byte: UInt8) throws -> Int32 {
      if let found = try id(name) { return found }
      if let unknownID, let unknown = Int32(exactly: unknownID), unknown >= 0 { return unknown }
      throw TokenizerError.byteSymbolNotInVocabulary(byte: byte, symbol: name)
    }
    var byteIDs: [Int32] = []
    var finalByteIDs: [Int32] = []
    for byte in 0...UInt8.max {
      let symbol = String(Character(ByteLevel.symbols[Int(byte)]))
      byteIDs.append(try symbolID(symbol, byte: byte))
      finalByteIDs.append(try symbolID(symbol + Self.endOfWordSuffix, byte: byte))
    }
    self.byteIDs = byteIDs
    self.finalByteIDs = finalByteIDs
  }

  /// The token ids of one word, given as UTF-8 bytes (not empty).
  ///
  /// - Complexity: O(*n* log *n*) for *n* bytes; memory O(*n*).
  func encode(word: [UInt8]) -> [Int32] {
    precondition(!word.isEmpty, "BPE of an empty word")
    let count = word.count
    var ids = word.map { byteIDs[Int($0)] }
    ids[count - 1] = finalByteIDs[Int(word[count - 1])]
    return rules.merged(ids)
  }
}
