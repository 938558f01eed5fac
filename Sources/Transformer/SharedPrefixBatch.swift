import Kernels

/// Token sequences laid out for a causal encoder, each distinct beginning computed once.
///
/// Under a causal mask the state of a sequence's first n tokens depends on those tokens alone, so sequences that
/// begin alike (the start token, a hypothesis template's words) can share the rows of their common beginning: 8
/// labels under "This is a photo of {}." need 65 rows instead of 107, each output bit for bit what it is alone.
/// That holds only under a causal mask, so this batch's `scope` is always `.causal`: there is no way to run shared
/// rows under another mask.
public struct SharedPrefixBatch: Sendable {
  /// One entry per row: the token id and its position in its sequence.
  public let tokens: [(id: Int, position: Int)]
  /// The row of each sequence's last token, in sequence order.
  public let lastRows: [Int]
  /// The attention of the rows: each sees itself and the rows before it in its sequence.
  public let scope: AttentionScope

  /// Lays out `sequences` (each non-empty), rows shared by the prefix tree keyed by the previous row and the id.
  public init(_ sequences: [ArraySlice<Int>]) {
    var parents: [Int?] = [], tokens: [(id: Int, position: Int)] = []
    var rowsByPrefix: [PrefixKey: Int] = [:]
    var lastRows: [Int] = []
    for ids in sequences {
      precondition(!ids.isEmpty, "SharedPrefixBatch: empty sequence")
      var row: Int? = nil
      for (position, id) in ids.enumerated() {
        let key = PrefixKey(parent: row ?? -1, id: id)
        if let existing = rowsByPrefix[key] {
          row = existing
        } else {
          rowsByPrefix[key] = parents.count
          parents.append(row)
          tokens.append((id, position))
          row = parents.count - 1
        }
      }
      lastRows.append(row!)  // ids is non-empty
    }
    self.tokens = tokens
    self.lastRows = lastRows
    scope = .causal(PrefixTree(parents: parents))
  }
}

/// A row of the batch's prefix tree, identified by the row before it (-1 for none) and its token id.
private struct PrefixKey: Hashable {
  var parent: Int
  var id: Int
}
