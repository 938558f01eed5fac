/// BPE as `tokenizers` runs a SentencePiece BPE model converted to `tokenizer.json` (Gemma's): a word starts as its
/// characters, each its own token if the vocabulary has it, else its UTF-8 bytes as `<0xNN>` tokens
/// (`byte_fallback`), else the unknown token, consecutive unknowns fused into one (`fuse_unk`); then the adjacent
/// pair with the lowest merge rank is merged, the leftmost among equal ranks, until none is left (`Word::merge_all`).
struct SentencePieceBPE: Sendable {
  let vocabulary: TokenTable
  /// `left << 32 | right` to `rank << 32 | result`.
  private let merges: PairTable
  /// The token each merge rank produces.
  private let resultByRank: [Int32]
  /// The id of `<0xNN>` for each byte, when the vocabulary has all 256.
  private let byteIDs: [Int32]?
  private let unknownID: Int32?

  /// - Throws: `TokenizerError` when a merge refers to or produces a token the vocabulary lacks, or an id is
  ///   invalid.
  init(vocabulary: TokenTable, merges: MergeList, unknownToken: String?, byteFallback: Bool) throws {
    self.vocabulary = vocabulary
    var table = PairTable(capacity: merges.count)
    var results: [Int32] = []
    results.reserveCapacity(merges.count)
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
      // A repeated pair keeps its last rank, as the reference's hash map does.
      table.set(Self.key(leftID, rightID), UInt64(rank) << 32 | UInt64(UInt32(resultID)))
      results.append(resultID)
    }
    self.merges = table
    resultByRank = results
    if byteFallback {
      let ids = (0...UInt8.max).map { vocabulary[UnigramModel.bytePiece($0)] }
      byteIDs = ids.contains(nil) ? nil : ids.map { $0! }
    } else {
      byteIDs = nil
    }
    unknownID = unknownToken.flatMap { vocabulary[$0] }
  }

  private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
    UInt64(UInt32(left)) << 32 | UInt64(UInt32(right))
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
    return merged(ids)
  }

  private func merged(_ start: [Int32]) -> [Int32] {
    var ids = start
    let count = ids.count
    guard count > 1 else { return ids }
    // Doubly linked symbols; a merged-away symbol has id -1.
    var previous = (0..<count).map { Int32($0) - 1 }
    var next = (0..<count).map { $0 + 1 < count ? Int32($0 + 1) : -1 }
    var queue = MergeQueue()
    for position in 0..<(count - 1) {
      if let merge = merges[Self.key(ids[position], ids[position + 1])] {
        queue.push(rank: merge >> 32, position: position)
      }
    }
    while let (rank, position) = queue.pop() {
      guard ids[position] >= 0, next[position] >= 0 else { continue }
      let right = Int(next[position])
      let expected = resultByRank[Int(rank)]
      guard let merge = merges[Self.key(ids[position], ids[right])], resultByRank[Int(merge >> 32)] == expected
      else { continue }
      ids[position] = expected
      ids[right] = -1
      next[position] = next[right]
      if next[right] >= 0 { previous[Int(next[right])] = Int32(position) }
      if previous[position] >= 0 {
        let left = Int(previous[position])
        if let merge = merges[Self.key(ids[left], expected)] { queue.push(rank: merge >> 32, position: left) }
      }
      if next[position] >= 0, let merge = merges[Self.key(expected, ids[Int(next[position])])] {
        queue.push(rank: merge >> 32, position: position)
      }
    }
    return ids.filter { $0 >= 0 }
  }
}
