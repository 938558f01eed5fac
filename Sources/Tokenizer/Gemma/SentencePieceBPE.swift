/// BPE as `tokenizers` runs a SentencePiece BPE model converted to `tokenizer.json` (Gemma's): a word starts as its
/// characters, each its own token if the vocabulary has it, else its UTF-8 bytes as `<0xNN>` tokens
/// (`byte_fallback`), else the unknown token, consecutive unknowns fused into one (`fuse_unk`); then the adjacent
/// pair with the lowest merge rank is merged, the leftmost among equal ranks, until none is left (`Word::merge_all`).
struct SentencePieceBPE: Sendable {
  let vocabulary: TokenTable
  private let rules: MergeRules
  /// The id of `<0xNN>` for each byte, when the vocabulary has all 256.
  private let byteIDs: [Int32]?
  private let unknownID: Int32?

  /// - Throws: `TokenizerError` when a merge refers to or produces a token the vocabulary lacks, or an id is
  ///   invalid.
  init(vocabulary: TokenTable, merges: MergeList, unknownToken: String?, byteFallback: Bool) throws {
    self.vocabulary = vocabulary
    var rules = MergeRules(capacity: merges.count)
    func text(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
    for rank in 0..<merges.count {
      let (left, right) = merges[rank]
      guard let leftID = vocabulary[left] else {
        throw TokenizerError.mergeTokenNotInVocabulary(rank: rank, token: text(left))
      }
      guard let rightID = vocabulary[right] else {
        throw TokenizerError.mergeTokenNotInVocabulary(rank: rank, token: text(right))
      }
      guard let resultID = vocabulary.id(concatenating: left, right) else {
        throw TokenizerError.mergeResultNotInVocabulary(rank: rank, token: text(left) + text(right))
      }
      rules.append(left: leftID, right: rightID, result: resultID)
    }
    self.rules = rules
    if byteFallback {
      let ids = (0...UInt8.max).map { vocabulary[UnigramModel.bytePiece($0)] }
      byteIDs = ids.contains(nil) ? nil : ids.map { $0! }
    } else {
      byteIDs = nil
    }
    unknownID = unknownToken.flatMap { vocabulary[$0] }
  }

  /// The ids of one word.
  ///
  /// - Complexity: O(*n* log *n*) for *n* characters.
  func encode(_ word: some Sequence<Unicode.Scalar>) -> [Int32] {
    var ids: [Int32] = []
    // A run of unknown characters waiting to be written (fused) as one unknown token.
    var pendingUnknown = false
    for scalar in word {
      if let id = vocabulary[scalar.utf8] {
        if pendingUnknown, let unknownID { ids.append(unknownID) }
        pendingUnknown = false
        ids.append(id)
      } else if let byteIDs {
        // As the reference, byte tokens do not end a pending unknown run (it follows them).
        for byte in scalar.utf8 { ids.append(byteIDs[Int(byte)]) }
      } else if unknownID != nil {
        pendingUnknown = true
      }
    }
    if pendingUnknown, let unknownID { ids.append(unknownID) }
    return rules.merged(ids)
  }
}
