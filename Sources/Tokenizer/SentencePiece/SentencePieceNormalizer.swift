/// SentencePiece's normalizer (`normalizer.cc`), byte for byte: user-defined symbols kept whole, every other
/// character rewritten by the model's precompiled charsmap (the longest rule matching the input), then the
/// whitespace handling: leading spaces dropped, runs of spaces collapsed, trailing spaces dropped (when
/// `remove_extra_whitespaces`), spaces written as ▁ U+2581 (`escape_whitespaces`), and ▁ put in front
/// (`add_dummy_prefix`; behind with `treat_whitespace_as_suffix`).
///
/// Like the reference, the trailing-space removal works on the escaped output, so a ▁ the text itself ends with is
/// dropped too.
struct SentencePieceNormalizer: Sendable {
  private let charsmap: CharsMap?
  /// User-defined pieces by first byte, longest first.
  private let userDefined: [UInt8: [[UInt8]]]
  private let addDummyPrefix: Bool
  private let removeExtraWhitespaces: Bool
  private let escapeWhitespaces: Bool
  private let treatWhitespaceAsSuffix: Bool

  static let spaceSymbol: [UInt8] = Array("\u{2581}".utf8)

  /// - Throws: `SentencePieceModel.FormatError` when the precompiled charsmap is malformed.
  init(model: SentencePieceModel) throws {
    charsmap = model.precompiledCharsmap.isEmpty ? nil : try CharsMap(model.precompiledCharsmap)
    var userDefined: [UInt8: [[UInt8]]] = [:]
    for piece in model.pieces where piece.type == .userDefined {
      let bytes = Array(piece.piece.utf8)
      userDefined[bytes[0], default: []].append(bytes)
    }
    self.userDefined = userDefined.mapValues { $0.sorted { $0.count > $1.count } }
    addDummyPrefix = model.addDummyPrefix
    removeExtraWhitespaces = model.removeExtraWhitespaces
    escapeWhitespaces = model.escapeWhitespaces
    treatWhitespaceAsSuffix = model.treatWhitespaceAsSuffix
  }

  /// The normalized UTF-8 of `input` (valid UTF-8).
  func normalize(_ input: [UInt8]) -> [UInt8] {
    var position = 0
    if removeExtraWhitespaces {
      while position < input.count {
        let (replacement, length) = prefix(input, at: position)
        guard replacement.elementsEqual([0x20]) else { break }
        position += length
      }
    }
    guard position < input.count else { return [] }

    var output: [UInt8] = []
    output.reserveCapacity((input.count - position) * 3)
    let space: [UInt8] = escapeWhitespaces ? Self.spaceSymbol : [0x20]
    if !treatWhitespaceAsSuffix && addDummyPrefix { output += space }
    var previousIsSpace = removeExtraWhitespaces
    while position < input.count {
      let (replacement, length) = prefix(input, at: position)
      var piece = replacement[...]
      if previousIsSpace {
        while piece.first == 0x20 { piece = piece.dropFirst() }
      }
      if !piece.isEmpty {
        for byte in piece {
          if escapeWhitespaces && byte == 0x20 { output += Self.spaceSymbol } else { output.append(byte) }
        }
        previousIsSpace = piece.last == 0x20
      }
      position += length
      if !removeExtraWhitespaces { previousIsSpace = false }
    }
    if removeExtraWhitespaces {
      while output.count >= space.count && output[(output.count - space.count)...].elementsEqual(space) {
        output.removeLast(space.count)
      }
    }
    if treatWhitespaceAsSuffix && addDummyPrefix { output += space }
    return output
  }

  /// The normalized form of the character (or user-defined symbol) at `position`, and how many bytes it covers.
  private func prefix(_ input: [UInt8], at position: Int) -> (ArraySlice<UInt8>, Int) {
    if let candidates = userDefined[input[position]] {
      for symbol in candidates where input.count - position >= symbol.count {
        if input[position..<(position + symbol.count)].elementsEqual(symbol) {
          return (input[position..<(position + symbol.count)], symbol.count)
        }
      }
    }
    if let charsmap, let (replacement, length) = charsmap.longestMatch(input, at: position) {
      return (replacement, length)
    }
    let length = min(utf8Length(leadingByte: input[position]), input.count - position)
    return (input[position..<(position + length)], length)
  }
}

/// A precompiled charsmap: `<trie size: UInt32 LE><Darts-clone double array><NUL-terminated replacements>`,
/// as `Normalizer::DecodePrecompiledCharsMap` reads it.
struct CharsMap: Sendable {
  private let units: [UInt32]
  private let replacements: [UInt8]

  init(_ blob: [UInt8]) throws {
    guard blob.count > 4 else { throw SentencePieceModel.FormatError(reason: "the precompiled charsmap is too short") }
    let trieSize = Int(UInt32(blob[0]) | UInt32(blob[1]) << 8 | UInt32(blob[2]) << 16 | UInt32(blob[3]) << 24)
    guard trieSize <= blob.count - 4, trieSize % 4 == 0 else {
      throw SentencePieceModel.FormatError(reason: "the precompiled charsmap's trie size \(trieSize) exceeds it")
    }
    var units: [UInt32] = []
    units.reserveCapacity(trieSize / 4)
    var offset = 4
    while offset < 4 + trieSize {
      units.append(
        UInt32(blob[offset]) | UInt32(blob[offset + 1]) << 8 | UInt32(blob[offset + 2]) << 16
          | UInt32(blob[offset + 3]) << 24)
      offset += 4
    }
    guard !units.isEmpty else { throw SentencePieceModel.FormatError(reason: "the precompiled charsmap's trie is empty") }
    self.units = units
    replacements = Array(blob[(4 + trieSize)...])
  }

  /// The replacement of the longest key that prefixes `input[position...]`, and the key's length
  /// (Darts-clone's `commonPrefixSearch`, keeping the longest result). Indices outside the array end the search.
  func longestMatch(_ input: [UInt8], at position: Int) -> (ArraySlice<UInt8>, Int)? {
    @inline(__always) func offset(_ unit: UInt32) -> Int { Int((unit >> 10) << ((unit & (1 << 9)) >> 6)) }
    var best: (value: Int, length: Int)?
    var id = offset(units[0])
    var index = position
    while index < input.count {
      let byte = input[index]
      id ^= Int(byte)
      guard id >= 0, id < units.count else { break }
      let unit = units[id]
      guard unit & ((1 << 31) | 0xFF) == UInt32(byte) else { break }
      id ^= offset(unit)
      index += 1
      if (unit >> 8) & 1 == 1 {
        guard id >= 0, id < units.count else { break }
        best = (Int(units[id] & ((1 << 31) - 1)), index - position)
      }
    }
    guard let best, best.value < replacements.count else { return nil }
    let end = replacements[best.value...].firstIndex(of: 0) ?? replacements.endIndex
    return (replacements[best.value..<end], best.length)
  }
}

/// The length of the UTF-8 character a byte starts, as SentencePiece's `OneCharLen` reads it (a continuation byte
/// counts as a character of its own).
@inline(__always) func utf8Length(leadingByte byte: UInt8) -> Int {
  switch byte >> 4 {
  case 0xC, 0xD: 2
  case 0xE: 3
  case 0xF: 4
  default: 1
  }
}
