/// Byte-level BPE with CLIP's end-of-word suffix, merging exactly as `tokenizers`' `Word::merge_all` does.
///
/// A word is the UTF-8 bytes of one piece. Each byte starts as its byte-level symbol, the last one with the
/// `</w>` suffix. Then, repeatedly, the adjacent pair with the lowest merge rank is merged, the leftmost one among
/// equal ranks; a queued pair that no longer exists, or whose symbols now form a pair producing a different
/// token, is skipped.
struct BytePairEncoding: Sendable {
  /// `left << 32 | right` to `rank << 32 | result`.
  private let merges: [UInt64: UInt64]
  /// The token each merge rank produces.
  private let resultByRank: [Int32]
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
    var table: [UInt64: UInt64] = [:]
    table.reserveCapacity(merges.count)
    var results: [Int32] = []
    results.reserveCapacity(merges.count)
    for (rank, (left, right)) in merges.enumerated() {
      guard let leftID = try id(left) else { throw TokenizerError.mergeTokenNotInVocabulary(rank: rank, token: left) }
      guard let rightID = try id(right) else {
        throw TokenizerError.mergeTokenNotInVocabulary(rank: rank, token: right)
      }
      guard let resultID = try id(left + right) else {
        throw TokenizerError.mergeResultNotInVocabulary(rank: rank, token: left + right)
      }
      // A repeated pair keeps its last rank, as the reference's hash map does.
      table[Self.key(leftID, rightID)] = UInt64(rank) << 32 | UInt64(UInt32(resultID))
      results.append(resultID)
    }
    self.merges = table
    self.resultByRank = results

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

  private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
    UInt64(UInt32(left)) << 32 | UInt64(UInt32(right))
  }

  /// The token ids of one word, given as UTF-8 bytes (not empty).
  ///
  /// - Complexity: O(*n* log *n*) for *n* bytes; memory O(*n*).
  func encode(word: [UInt8]) -> [Int32] {
    precondition(!word.isEmpty, "BPE of an empty word")
    let count = word.count
    var ids = word.map { byteIDs[Int($0)] }
    ids[count - 1] = finalByteIDs[Int(word[count - 1])]
    if count == 1 { return ids }

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
      guard let merge = merges[Self.key(ids[position], ids[right])],
            resultByRank[Int(merge >> 32)] == expected
      else { continue }
      ids[position] = expected
      ids[right] = -1
      next[position] = next[right]
      if next[right] >= 0 { previous[Int(next[right])] = Int32(position) }
      if previous[position] >= 0 {
        let left = Int(previous[position])
        if let merge = merges[Self.key(ids[left], expected)] { queue.push(rank: merge >> 32, position: left) }
      }
      if next[position] >= 0 {
        if let merge = merges[Self.key(expected, ids[Int(next[position])])] {
          queue.push(rank: merge >> 32, position: position)
        }
      }
    }
    return ids.filter { $0 >= 0 }
  }
}

/// A binary min-heap of pending merges ordered by rank, then position (leftmost first).
struct MergeQueue {
  private var heap: [UInt64] = []

  mutating func push(rank: UInt64, position: Int) {
    heap.append(rank << 32 | UInt64(position))
    var child = heap.count - 1
    while child > 0 {
      let parent = (child - 1) / 2
      guard heap[child] < heap[parent] else { break }
      heap.swapAt(child, parent)
      child = parent
    }
  }

  mutating func pop() -> (rank: UInt64, position: Int)? {
    guard let top = heap.first else { return nil }
    let last = heap.removeLast()
    if !heap.isEmpty {
      heap[0] = last
      var parent = 0
      while true {
        let left = 2 * parent + 1
        guard left < heap.count else { break }
        let right = left + 1
        let smaller = right < heap.count && heap[right] < heap[left] ? right : left
        guard heap[smaller] < heap[parent] else { break }
        heap.swapAt(smaller, parent)
        parent = smaller
      }
    }
    return (top >> 32, Int(top & 0xFFFF_FFFF))
  }
}
