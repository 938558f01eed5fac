/// The merges of a BPE vocabulary, and the merging of one word's symbols by them exactly as `tokenizers`'
/// `Word::merge_all` does: repeatedly the adjacent pair with the lowest merge rank is merged, the leftmost among
/// equal ranks; a queued pair that no longer exists, or whose symbols now form a pair producing a different token,
/// is skipped. CLIP's byte-level BPE and Gemma's SentencePiece BPE differ in how a word's first symbols are found,
/// not in this.
struct MergeRules: Sendable {
  /// `left << 32 | right` to `rank << 32 | result`.
  private var pairs: PairTable
  /// The token each merge rank produces.
  private var resultByRank: [Int32] = []

  /// No merges yet, room for `capacity`.
  init(capacity: Int) {
    pairs = PairTable(capacity: capacity)
    resultByRank.reserveCapacity(capacity)
  }

  /// Adds the next merge (ranks count from 0 in the order of the calls): `left` then `right` make `result`. A
  /// repeated pair keeps its last rank, as the reference's hash map does. Ids must not be negative.
  mutating func append(left: Int32, right: Int32, result: Int32) {
    pairs.set(Self.key(left, right), UInt64(resultByRank.count) << 32 | UInt64(UInt32(result)))
    resultByRank.append(result)
  }

  private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
    UInt64(UInt32(left)) << 32 | UInt64(UInt32(right))
  }

  /// The ids of a word whose symbols are `start`, merged.
  ///
  /// - Complexity: O(*n* log *n*) for *n* symbols; memory O(*n*).
  func merged(_ start: [Int32]) -> [Int32] {
    var ids = start
    let count = ids.count
    guard count > 1 else { return ids }
    // Doubly linked symbols; a merged-away symbol has id -1.
    var previous = (0..<count).map { Int32($0) - 1 }
    var next = (0..<count).map { $0 + 1 < count ? Int32($0 + 1) : -1 }
    var queue = MergeQueue()
    for position in 0..<(count - 1) {
      if let merge = pairs[Self.key(ids[position], ids[position + 1])] {
        queue.push(rank: merge >> 32, position: position)
      }
    }
    while let (rank, position) = queue.pop() {
      guard ids[position] >= 0, next[position] >= 0 else { continue }
      let right = Int(next[position])
      let expected = resultByRank[Int(rank)]
      guard let merge = pairs[Self.key(ids[position], ids[right])], resultByRank[Int(merge >> 32)] == expected
      else { continue }
      ids[position] = expected
      ids[right] = -1
      next[position] = next[right]
      if next[right] >= 0 { previous[Int(next[right])] = Int32(position) }
      if previous[position] >= 0 {
        let left = Int(previous[position])
        if let merge = pairs[Self.key(ids[left], expected)] { queue.push(rank: merge >> 32, position: left) }
      }
      if next[position] >= 0, let merge = pairs[Self.key(expected, ids[Int(next[position])])] {
        queue.push(rank: merge >> 32, position: position)
      }
    }
    return ids.filter { $0 >= 0 }
  }
}
