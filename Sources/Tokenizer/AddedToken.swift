/// A token matched as a whole in the text before BPE, like `<|endoftext|>`.
public struct AddedToken: Sendable, Equatable {
  /// The text that stands for the token.
  public var content: String
  /// Its id.
  public var id: Int
  /// False: matched in the raw text, before normalization (CLIP's special tokens as transformers builds them).
  /// True: matched in the normalized text, so `<|ENDOFTEXT|>` also matches `<|endoftext|>` (as a
  /// `tokenizer.json` marked `"normalized": true` asks).
  public var normalized: Bool

  public init(content: String, id: Int, normalized: Bool = false) {
    self.content = content
    self.id = id
    self.normalized = normalized
  }
}

/// Finds added tokens in a scalar sequence: the leftmost match, the longest one at that position (the
/// reference's Aho-Corasick search in LeftmostLongest mode).
struct AddedTokenMatcher: Sendable {
  /// Tokens by first scalar, longest first.
  private let candidates: [Unicode.Scalar: [(scalars: [Unicode.Scalar], id: Int)]]

  /// Whether any token contains whitespace (then text must not be cut at whitespace before matching).
  let containsWhitespace: Bool

  init(_ tokens: [(scalars: [Unicode.Scalar], id: Int)]) {
    var candidates: [Unicode.Scalar: [(scalars: [Unicode.Scalar], id: Int)]] = [:]
    for token in tokens where !token.scalars.isEmpty {
      candidates[token.scalars[0], default: []].append(token)
    }
    self.candidates = candidates.mapValues { $0.sorted { $0.scalars.count > $1.scalars.count } }
    containsWhitespace = tokens.contains { $0.scalars.contains { ScalarClass($0) == .whitespace } }
  }

  var isEmpty: Bool { candidates.isEmpty }

  /// The token starting at `index`, and the index after it.
  func match<Scalars: Collection<Unicode.Scalar>>(in text: Scalars, at index: Scalars.Index)
    -> (id: Int, end: Scalars.Index)? {
    guard let tokens = candidates[text[index]] else { return nil }
    for token in tokens {
      var position = index
      var matched = true
      for scalar in token.scalars {
        guard position != text.endIndex, text[position] == scalar else {
          matched = false
          break
        }
        text.formIndex(after: &position)
      }
      if matched { return (token.id, position) }
    }
    return nil
  }
}
