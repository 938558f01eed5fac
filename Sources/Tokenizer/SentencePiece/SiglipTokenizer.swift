/// SigLIP's tokenizer, giving the same ids as transformers 5's `SiglipTokenizer(text, truncation=True,
/// max_length=maxLength)`: a SentencePiece unigram model (`spiece.model`) inside what `SiglipTokenizer` and its
/// base classes (`SentencePieceBackend`, `PreTrainedTokenizer`) do around it.
///
/// The pipeline, as the reference runs it:
/// 1. `▁` is put in front of the text and every `▁` in it becomes a space (`SiglipTokenizer.tokenize`);
/// 2. the added tokens (`</s>`, `<unk>`, ...) are cut out of the text, longest first, and the `lstrip`/`rstrip`
///    ones strip the whitespace beside them (`PreTrainedTokenizer.tokenize`);
/// 3. each other segment is canonicalized: lower-cased (`do_lower_case`, Python's `str.lower`), ASCII punctuation
///    removed, whitespace runs made one space, stripped;
/// 4. SentencePiece encodes `<unk>` + the segment (normalizer, unigram Viterbi) and the pieces of `<unk>` alone are
///    dropped from the front: transformers' way around the dummy prefix, kept because it can change the pieces;
/// 5. a leading lone `▁` before a special token is dropped; pieces become ids (added tokens first);
/// 6. the ids are cut to `maxLength - 1` and `</s>` is appended unless the last id already is `</s>`.
///
/// Thread-safe and immutable. Padding (to 64 with `</s>` for SigLIP) is the caller's business.
public struct SiglipTokenizer: TextTokenizer {
  /// The most ids `encode` returns, `</s>` included (`model_max_length`, 64 for SigLIP).
  public let maxLength: Int
  /// The number of distinct ids: the model's pieces and the added tokens outside them.
  public let vocabularySize: Int
  /// The id padding uses (`</s>` for SigLIP).
  public let padTokenID: Int
  /// The id of the end token, appended to every encoding.
  public let eosTokenID: Int
  /// Whether text is lower-cased first (`do_lower_case`).
  public let lowercases: Bool

  private let normalizer: SentencePieceNormalizer
  private let unigram: UnigramModel
  private let splitter: AddedTokenSplitter
  /// Added tokens by content (`_added_tokens_encoder`).
  private let addedIDs: [ExactString: Int]
  /// `all_special_tokens`.
  private let specialTokens: Set<ExactString>
  private let unknownToken: [UInt8]
  /// How many pieces `<unk>` alone encodes to.
  private let unknownTokenLength: Int

  /// A token matched whole in the text before SentencePiece, as transformers' `AddedToken`.
  public struct SpecialToken: Sendable, Equatable {
    public var content: String
    public var lstrip: Bool
    public var rstrip: Bool
    public var singleWord: Bool

    public init(_ content: String, lstrip: Bool = false, rstrip: Bool = false, singleWord: Bool = false) {
      self.content = content
      self.lstrip = lstrip
      self.rstrip = rstrip
      self.singleWord = singleWord
    }
  }

  /// Builds the tokenizer from a parsed model.
  ///
  /// - Parameters:
  ///   - addedTokens: the added tokens with their ids (`added_tokens_decoder`); the special tokens below are added
  ///     when missing, with their piece id, or the next free id when the model lacks them.
  ///   - additionalSpecialTokens: further special tokens (`additional_special_tokens` / `extra_special_tokens`).
  /// - Throws: `TokenizerError.unsupportedSentencePieceModel` unless the model is unigram,
  ///   `TokenizerError.invalidModelProto` for an inconsistent model, `.invalidMaxLength` below 1.
  init(
    model: SentencePieceModel, path: String, addedTokens: [(SpecialToken, Int)] = [],
    eosToken: SpecialToken = SpecialToken("</s>", lstrip: true, rstrip: true),
    unknownToken: SpecialToken = SpecialToken("<unk>", lstrip: true, rstrip: true),
    padToken: SpecialToken = SpecialToken("</s>", lstrip: true, rstrip: true),
    additionalSpecialTokens: [SpecialToken] = [], lowercases: Bool = true, maxLength: Int = 64
  ) throws {
    guard model.modelType == .unigram else {
      throw TokenizerError.unsupportedSentencePieceModel(path: path, type: model.modelType.name)
    }
    guard maxLength >= 1 else { throw TokenizerError.invalidMaxLength(String(maxLength)) }
    do {
      normalizer = try SentencePieceNormalizer(model: model)
      unigram = try UnigramModel(model: model)
    } catch let error as SentencePieceModel.FormatError {
      throw TokenizerError.invalidModelProto(path: path, reason: error.reason)
    }
    var tokens = addedTokens
    var nextID = model.pieces.count + addedTokens.filter { $0.1 >= model.pieces.count }.count
    for special in [eosToken, unknownToken, padToken] + additionalSpecialTokens
    where !tokens.contains(where: { ExactString($0.0.content) == ExactString(special.content) }) {
      let pieceID = unigram.id(of: special.content)
      let inModel = pieceID < model.pieces.count && ExactString(model.pieces[pieceID].piece) == ExactString(special.content)
      tokens.append((special, inModel ? pieceID : nextID))
      if !inModel { nextID += 1 }
    }
    var addedIDs: [ExactString: Int] = [:]
    for (token, id) in tokens { addedIDs[ExactString(token.content)] = id }
    self.addedIDs = addedIDs
    splitter = AddedTokenSplitter(tokens.map(\.0))
    specialTokens = Set(([eosToken, unknownToken, padToken] + additionalSpecialTokens).map { ExactString($0.content) })
    vocabularySize = max(model.pieces.count, (addedIDs.values.max() ?? 0) + 1)
    eosTokenID = addedIDs[ExactString(eosToken.content)]!
    padTokenID = addedIDs[ExactString(padToken.content)]!
    self.lowercases = lowercases
    self.maxLength = maxLength
    self.unknownToken = Array(unknownToken.content.utf8)
    unknownTokenLength = unigram.encode(normalized: normalizer.normalize(self.unknownToken)).count
  }

  public func encode(_ text: String) -> [Int] {
    var ids = tokens(text).map { addedIDs[ExactString($0)] ?? unigram.id(of: $0) }
    if ids.count + 1 > maxLength { ids.removeLast(ids.count + 1 - maxLength) }
    if ids.last != eosTokenID { ids.append(eosTokenID) }
    return ids
  }

  /// The token strings of `text` (`SiglipTokenizer.tokenize`), before ids and the end token.
  func tokens(_ text: String) -> [String] {
    var scalars: [Unicode.Scalar] = ["\u{2581}"]
    for scalar in text.unicodeScalars { scalars.append(scalar == "\u{2581}" ? " " : scalar) }
    var tokens: [String] = []
    for segment in splitter.split(scalars) {
      switch segment {
      case let .token(content): tokens.append(content)
      case let .text(text): tokens += pieces(of: text)
      }
    }
    if tokens.count > 1 && tokens[0] == "\u{2581}" && specialTokens.contains(ExactString(tokens[1])) { tokens.removeFirst() }
    return tokens
  }

  /// `SiglipTokenizer._tokenize`: the canonical text, encoded behind `<unk>`, without `<unk>`'s pieces.
  private func pieces(of segment: [Unicode.Scalar]) -> [String] {
    var canonical = String.UnicodeScalarView()
    var pendingSpace = false
    for scalar in lowercases ? PythonText.lowercased(segment) : segment where !PythonText.isASCIIPunctuation(scalar) {
      if PythonText.isWhitespace(scalar) {
        pendingSpace = true
        continue
      }
      if pendingSpace && !canonical.isEmpty { canonical.append(" ") }
      pendingSpace = false
      canonical.append(scalar)
    }
    let pieces = unigram.encode(normalized: normalizer.normalize(unknownToken + Array(String(canonical).utf8)))
    let kept = pieces.count >= unknownTokenLength ? pieces.dropFirst(unknownTokenLength) : pieces[...]
    return kept.map { String(decoding: $0.text, as: UTF8.self) }
  }
}

/// transformers' slow-tokenizer split on added tokens (`Trie.split`, longest match first), with the `lstrip`,
/// `rstrip` and `single_word` handling of `PreTrainedTokenizer.tokenize`.
struct AddedTokenSplitter: Sendable {
  enum Segment: Equatable {
    case token(String)
    case text([Unicode.Scalar])
  }

  private let matcher: AddedTokenMatcher
  private let tokens: [SiglipTokenizer.SpecialToken]

  init(_ tokens: [SiglipTokenizer.SpecialToken]) {
    self.tokens = tokens
    matcher = AddedTokenMatcher(tokens.enumerated().map { (Array($1.content.unicodeScalars), $0) })
  }

  func split(_ text: [Unicode.Scalar]) -> [Segment] {
    var parts: [(scalars: [Unicode.Scalar], token: Int?)] = []
    var start = 0
    var index = 0
    while index < text.count {
      if !matcher.isEmpty, let (token, end) = matcher.match(in: text, at: index) {
        if start < index { parts.append((Array(text[start..<index]), nil)) }
        parts.append((Array(text[index..<end]), token))
        index = end
        start = end
      } else {
        index += 1
      }
    }
    if start < text.count { parts.append((Array(text[start...]), nil)) }

    for index in parts.indices {
      guard let number = parts[index].token else { continue }
      let token = tokens[number]
      // As in Python, the neighbours are read before this token changes them.
      let left = index > 0 ? parts[index - 1].scalars : nil
      let right = index + 1 < parts.count ? parts[index + 1].scalars : nil
      let hasLeft = left?.isEmpty == false
      let hasRight = right?.isEmpty == false
      if token.rstrip && hasRight {
        parts[index + 1].scalars = Array(parts[index + 1].scalars.drop(while: PythonText.isWhitespace))
      }
      if token.lstrip && hasLeft {
        var left = parts[index - 1].scalars
        while let last = left.last, PythonText.isWhitespace(last) { left.removeLast() }
        parts[index - 1].scalars = left
      }
      if token.singleWord {
        if hasLeft, left?.last != " " {
          parts[index - 1].scalars += parts[index].scalars
          parts[index].scalars = []
        } else if hasRight, right?.first != " " {
          parts[index + 1].scalars = parts[index].scalars + parts[index + 1].scalars
          parts[index].scalars = []
        }
      }
    }
    return parts.compactMap { part in
      guard !part.scalars.isEmpty else { return nil }
      let content = String(String.UnicodeScalarView(part.scalars))
      // A segment equal to an added token is that token (transformers compares strings).
      if part.token != nil || tokens.contains(where: { ExactString($0.content) == ExactString(content) }) {
        return .token(content)
      }
      return .text(part.scalars)
    }
  }
}
