/// Sequences that share their first tokens, stored once: each row of a batch is one token whose `parent` is the
/// row of the token before it in its sequence (nil for a first token). A sequence is the path from a root to one
/// of its rows, so sequences with a common beginning share the rows of that beginning.
///
/// With causal attention a token sees only itself and the tokens before it, so a shared beginning has the same
/// states in every sequence that contains it and is computed once: CLIP's labels under one hypothesis template
/// ("This is a photo of …") share six of their tokens. Plain causal sequences are chains.
///
/// Parents come before their children (`parents[row] < row`), so the rows are already in an order in which
/// every token follows the tokens it sees, and no cycle can be represented.
public struct PrefixTree: Sendable, Equatable {
  /// The row of each row's preceding token, nil for the first token of a sequence.
  public let parents: [Int?]

  /// - Precondition: every parent is an earlier row.
  public init(parents: [Int?]) {
    for (row, parent) in parents.enumerated() {
      if let parent {
        precondition(parent >= 0 && parent < row, "PrefixTree: row \(row) has parent \(parent), not an earlier row")
      }
    }
    self.parents = parents
  }

  /// Consecutive rows as independent chains: row `r` of `sequences[i]` follows row `r - 1` of the same range.
  /// Rows outside every range are single-token sequences.
  public init(chains sequences: [Range<Int>], rows: Int) {
    var parents = [Int?](repeating: nil, count: rows)
    for sequence in sequences {
      for row in sequence.dropFirst() { parents[row] = row - 1 }
    }
    self.init(parents: parents)
  }

  public var count: Int { parents.count }

  /// The rows of each sequence that no longer one contains (one path per leaf, root first), each with the
  /// rows it computes: every row belongs to the first path, in row order of the leaves, that contains it.
  func paths() -> [(rows: [Int], owned: [Int])] {
    var hasChild = [Bool](repeating: false, count: parents.count)
    for parent in parents { if let parent { hasChild[parent] = true } }
    var owner = [Bool](repeating: false, count: parents.count)
    var result: [(rows: [Int], owned: [Int])] = []
    for leaf in parents.indices where !hasChild[leaf] {
      var path: [Int] = []
      var row: Int? = leaf
      while let current = row {
        path.append(current)
        row = parents[current]
      }
      path.reverse()
      var owned: [Int] = []
      for (position, row) in path.enumerated() where !owner[row] {
        owner[row] = true
        owned.append(position)
      }
      result.append((path, owned))
    }
    return result
  }
}
