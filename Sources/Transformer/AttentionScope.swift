import Kernels

/// Which tokens each token of a batch attends to.
public enum AttentionScope: Sendable {
  /// Every token sees every token of its own range of rows (the vision tower: one image per range).
  case sequences([Range<Int>])
  /// Every token sees itself and the tokens before it in its sequence (the text tower); sequences that begin
  /// alike share the rows of their common beginning.
  case causal(PrefixTree)
}
