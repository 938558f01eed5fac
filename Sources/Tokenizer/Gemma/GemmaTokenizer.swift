/// SigLIP 2's tokenizer (Gemma's), giving the same ids as transformers 5's `GemmaTokenizer` (or, for `siglip2`
/// checkpoints, `Siglip2Tokenizer`) called as `tokenizer(text, truncation=True, max_length=maxLength)`.
///
/// The pipeline, as the `tokenizers` backend transformers builds runs it:
/// 1. added tokens marked unnormalized are cut out of the raw text (leftmost, longest), with their `lstrip`,
///    `rstrip` and `single_word` rules;
/// 2. the rest is normalized: lower-cased (`Siglip2Tokenizer` only, Rust's per-character `to_lowercase`), every
///    space made ▁ (no ▁ is put in front); normalized added tokens are cut out of it;
/// 3. each remaining piece is one BPE word (`SentencePieceBPE`: byte fallback, fused unknowns, merges by rank);
/// 4. the ids are truncated to `maxLength` minus the post-processor's tokens, which are then put around them
///    (`tokenizer.json`'s `TemplateProcessing`: `$A <eos>` for SigLIP 2).
///
/// transformers 5 ignores `add_bos_token` / `add_eos_token` in `tokenizer_config.json` when `tokenizer.json`
/// exists: the file's post-processor decides, and so it does here.
///
/// Measured (release, x86_64 Zen 4, two cores shared with other builds): loading a synthetic `tokenizer.json` of
/// Gemma's size (28 MB, 256,000 tokens, 253,550 merges) takes 0.4–0.5 s of processor time (0.17 s scanning the
/// JSON into the tables, 0.2 s resolving the merges, memory-bound), 0.6–1.9 s of wall time depending on the load;
/// the Rust `tokenizers` library takes 0.8 s for the same file. See `GemmaTokenizerLoadTests`.
public struct GemmaTokenizer: TextTokenizer {
  /// The most ids `encode` returns, the post-processor's included (64 for SigLIP 2).
  public let maxLength: Int
  /// The number of distinct ids: the vocabulary and the added tokens outside it.
  public let vocabularySize: Int
  /// The id of the padding token (`<pad>`, 0 in Gemma's vocabulary).
  public let padTokenID: Int
  /// The ids the post-processor puts before and after the text's ids (none and `<eos>` for SigLIP 2).
  public let prefixIDs: [Int]
  public let suffixIDs: [Int]
  /// Whether text is lower-cased first (`Siglip2Tokenizer`).
  public let lowercases: Bool

  private let bpe: SentencePieceBPE
  private let rawTokens: RustAddedTokens
  private let normalizedTokens: RustAddedTokens

  /// A token matched whole before BPE, as `tokenizers`' `AddedToken`.
  public struct AddedToken: Sendable, Equatable {
    public var content: String
    public var normalized: Bool
    public var lstrip: Bool
    public var rstrip: Bool
    public var singleWord: Bool

    public init(_ content: String, normalized: Bool = false, lstrip: Bool = false, rstrip: Bool = false,
                singleWord: Bool = false) {
      self.content = content
      self.normalized = normalized
      self.lstrip = lstrip
      self.rstrip = rstrip
      self.singleWord = singleWord
    }
  }

  /// Builds the tokenizer from its parts.
  ///
  /// - Parameters:
  ///   - addedTokens: in the order they are added; each gets its vocabulary id, or the next free id.
  ///   - padToken: its id is `padTokenID` (an added token or in the vocabulary).
  ///   - prefix, suffix: the post-processor's token ids.
  /// - Throws: `TokenizerError` for merges that do not fit the vocabulary, a pad token that is neither in the
  ///   vocabulary nor added, or a `maxLength` that cannot hold the post-processor's tokens.
  init(
    bpe: SentencePieceBPE, addedTokens: [AddedToken], padToken: String, prefix: [Int], suffix: [Int],
    lowercases: Bool, maxLength: Int
  ) throws {
    guard maxLength > prefix.count + suffix.count else { throw TokenizerError.invalidMaxLength(String(maxLength)) }
    self.bpe = bpe
    self.lowercases = lowercases
    self.maxLength = maxLength
    prefixIDs = prefix
    suffixIDs = suffix
    var ids: [ExactString: Int] = [:]
    var nextID = bpe.vocabulary.count
    var raw: [RustAddedTokens.Token] = []
    var normalized: [RustAddedTokens.Token] = []
    for token in addedTokens where ids[ExactString(token.content)] == nil && !token.content.isEmpty {
      let id: Int
      if let known = bpe.vocabulary[token.content] {
        id = Int(known)
      } else {
        id = nextID
        nextID += 1
      }
      ids[ExactString(token.content)] = id
      let scalars = Array(token.content.unicodeScalars)
      let entry = RustAddedTokens.Token(
        scalars: token.normalized ? Self.normalize(scalars, lowercasing: lowercases) : scalars, id: id,
        lstrip: token.lstrip, rstrip: token.rstrip, singleWord: token.singleWord)
      if token.normalized { normalized.append(entry) } else { raw.append(entry) }
    }
    rawTokens = RustAddedTokens(raw)
    normalizedTokens = RustAddedTokens(normalized)
    vocabularySize = nextID
    guard let pad = ids[ExactString(padToken)] ?? bpe.vocabulary[padToken].map(Int.init) else {
      throw TokenizerError.specialTokenNotInVocabulary(role: "pad", token: padToken)
    }
    padTokenID = pad
  }

  public func encode(_ text: String) -> [Int] {
    var ids: [Int] = []
    let room = maxLength - prefixIDs.count - suffixIDs.count
    outer: for piece in rawTokens.split(Array(text.unicodeScalars)) {
      switch piece {
      case let .token(id):
        ids.append(id)
      case let .text(scalars):
        for inner in normalizedTokens.split(Self.normalize(scalars, lowercasing: lowercases)) {
          switch inner {
          case let .token(id): ids.append(id)
          case let .text(word): ids += bpe.encode(word).map(Int.init)
          }
          if ids.count >= room { break outer }
        }
      }
      if ids.count >= room { break }
    }
    if ids.count > room { ids.removeLast(ids.count - room) }
    return prefixIDs + ids + suffixIDs
  }

  /// The normalizer: `Lowercase` (when lower-casing) then `Replace(" ", "▁")`.
  static func normalize(_ scalars: some Collection<Unicode.Scalar>, lowercasing: Bool) -> [Unicode.Scalar] {
    var output: [Unicode.Scalar] = []
    output.reserveCapacity(scalars.count)
    for scalar in scalars {
      if scalar == " " {
        output.append("\u{2581}")
      } else if lowercasing {
        output.append(contentsOf: RustText.lowercased(scalar))
      } else {
        output.append(scalar)
      }
    }
    return output
  }
}

/// Rust's `char` operations that `tokenizers` uses here.
enum RustText {
  /// `char::to_lowercase`, as `tokenizers`' `Lowercase` normalizer applies it to each character (no final sigma).
  static func lowercased(_ scalar: Unicode.Scalar) -> [Unicode.Scalar] {
    if scalar.value < 0x80 {
      return [scalar.value >= 0x41 && scalar.value <= 0x5A ? Unicode.Scalar(scalar.value + 32)! : scalar]
    }
    return Array(scalar.properties.lowercaseMapping.unicodeScalars)
  }

  /// `\s` of the `regex` crate: White_Space.
  static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isWhitespace }

  /// `\w` of the `regex` crate: Alphabetic, marks, decimal numbers, connector punctuation, join controls.
  static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
    let properties = scalar.properties
    if properties.isAlphabetic || properties.isJoinControl { return true }
    switch properties.generalCategory {
    case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
    default: return false
    }
  }
}

/// `tokenizers`' `AddedVocabulary::find_matches`: added tokens cut out of a text, leftmost and longest first, the
/// whitespace beside `lstrip` / `rstrip` tokens going with them, `single_word` tokens only between non-word
/// characters.
struct RustAddedTokens: Sendable {
  struct Token: Sendable {
    var scalars: [Unicode.Scalar]
    var id: Int
    var lstrip: Bool
    var rstrip: Bool
    var singleWord: Bool
  }

  enum Piece {
    case token(Int)
    case text(ArraySlice<Unicode.Scalar>)
  }

  private let tokens: [Token]
  private let matcher: AddedTokenMatcher

  init(_ tokens: [Token]) {
    self.tokens = tokens
    matcher = AddedTokenMatcher(tokens.enumerated().map { ($1.scalars, $0) })
  }

  func split(_ text: [Unicode.Scalar]) -> [Piece] {
    guard !matcher.isEmpty else { return [.text(text[...])] }
    var pieces: [Piece] = []
    var startOffset = 0
    var index = 0
    while index < text.count {
      guard let (number, end) = matcher.match(in: text, at: index) else {
        index += 1
        continue
      }
      index = end
      let token = tokens[number]
      var start = end - token.scalars.count
      var stop = end
      if token.singleWord {
        let startSpace = start == 0 || !RustText.isWordCharacter(text[start - 1])
        let stopSpace = stop == text.count || !RustText.isWordCharacter(text[stop])
        guard startSpace && stopSpace else { continue }
      }
      if token.lstrip {
        var newStart = start
        while newStart > 0 && RustText.isWhitespace(text[newStart - 1]) { newStart -= 1 }
        start = max(newStart, startOffset)
      }
      if token.rstrip {
        while stop < text.count && RustText.isWhitespace(text[stop]) { stop += 1 }
      }
      start = max(start, startOffset)
      if startOffset < start { pieces.append(.text(text[startOffset..<start])) }
      pieces.append(.token(token.id))
      startOffset = stop
    }
    if startOffset < text.count { pieces.append(.text(text[startOffset...])) }
    return pieces
  }
}
