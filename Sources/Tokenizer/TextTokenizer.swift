/// What a model family needs of its tokenizer: a text's ids, exactly as the checkpoint's `transformers`
/// tokenizer gives them with `truncation=True` (special tokens included, no padding), and the facts the model
/// checks the tokenizer against. Padding, where a family needs it, is the family's business (SigLIP pads to
/// its `max_length` with `padTokenID`).
///
/// Implementations are immutable after loading and safe to call from several threads at once.
public protocol TextTokenizer: Sendable {
  /// The most ids `encode` returns, special tokens included.
  var maxLength: Int { get }
  /// The number of distinct ids: the vocabulary and the added tokens.
  var vocabularySize: Int { get }
  /// The id padding uses.
  var padTokenID: Int { get }
  /// The ids of `text`, truncated to `maxLength`.
  func encode(_ text: String) -> [Int]
}

extension CLIPTokenizer: TextTokenizer {}
