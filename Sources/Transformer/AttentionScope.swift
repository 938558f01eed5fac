import Kernels

/// Which tokens each token of a batch attends to.
public enum AttentionScope: Sendable {
  /// Every token sees every token of its own range of rows (the vision tower: one image per range).
  case sequences([Range<Int>])
  /// Every token sees itself and the tokens before it in its sequence (the text tower); sequences that begin
  /// alike share the rows of their common beginning.
  case causal(PrefixTree)
  /// Every token of a sequence sees only its sequence's `keys` (a padded text under an attention mask: the real
  /// tokens; the padding's rows still compute, attending to them).
  case masked([MaskedSequence])
}

/// A sequence's rows and the rows among them every token attends to.
public struct MaskedSequence: Equatable, Sendable {
  public var rows: Range<Int>
  public var keys: Range<Int>

  /// - Precondition: `keys` is a non-empty part of `rows`.
  public init(rows: Range<Int>, keys: Range<Int>) {
    precondition(!keys.isEmpty && rows.contains(keys.lowerBound) && keys.upperBound <= rows.upperBound,
                 "MaskedSequence: keys \(keys) outside rows \(rows)")
    self.rows = rows
    self.keys = keys
  }
}
