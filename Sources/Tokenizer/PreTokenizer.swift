/// CLIPTokenizerFast's pre-tokenizer: a Split on CLIP's pattern keeping the matches, then ByteLevel's own split.
///
/// The Split pattern, an alternation tried in order at each position (leftmost-first, as Oniguruma does):
///
///     <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
///
/// Whitespace matches nothing and is dropped. The ByteLevel step then splits each piece again with GPT-2's
/// pattern (`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`). A piece holds no
/// whitespace, and a letter run, a digit, a contraction or a run of "other" scalars is a single match of that
/// pattern too; only the two special-token strings are split further, into "<|", the name, and "|>". So the
/// second split is applied to those alone.
enum PreTokenizer {
  private static let specialStrings: [[Unicode.Scalar]] = ["<|startoftext|>", "<|endoftext|>"].map {
    Array($0.unicodeScalars)
  }

  /// Calls `body` with each piece of the normalized `text`, in order, until it returns false.
  static func forEachPiece(in text: ArraySlice<Unicode.Scalar>, _ body: (ArraySlice<Unicode.Scalar>) -> Bool) {
    var index = text.startIndex
    let end = text.endIndex
    while index < end {
      let scalar = text[index]
      if scalar == "<", let length = specialStringLength(in: text, at: index) {
        let name = (index + 2)..<(index + length - 2)
        for range in [index..<(index + 2), name, (index + length - 2)..<(index + length)] {
          guard body(text[range]) else { return }
        }
        index += length
        continue
      }
      if scalar == "'", let length = contractionLength(in: text, at: index) {
        guard body(text[index..<(index + length)]) else { return }
        index += length
        continue
      }
      let kind = ScalarClass(scalar)
      switch kind {
      case .whitespace:
        index += 1
      case .number:
        guard body(text[index...index]) else { return }
        index += 1
      case .letter, .other:
        var runEnd = index + 1
        while runEnd < end, ScalarClass(text[runEnd]) == kind { runEnd += 1 }
        guard body(text[index..<runEnd]) else { return }
        index = runEnd
      }
    }
  }

  private static func specialStringLength(in text: ArraySlice<Unicode.Scalar>, at index: Int) -> Int? {
    for special in specialStrings where text[index...].starts(with: special) {
      return special.count
    }
    return nil
  }

  /// The length of `'s`, `'t`, `'re`, `'ve`, `'m`, `'ll` or `'d` at `index` (which holds the apostrophe).
  private static func contractionLength(in text: ArraySlice<Unicode.Scalar>, at index: Int) -> Int? {
    guard index + 1 < text.endIndex else { return nil }
    switch text[index + 1] {
    case "s", "t", "m", "d":
      return 2
    case "r", "v", "l":
      guard index + 2 < text.endIndex else { return nil }
      let expected: Unicode.Scalar = text[index + 1] == "l" ? "l" : "e"
      return text[index + 2] == expected ? 3 : nil
    default:
      return nil
    }
  }
}
