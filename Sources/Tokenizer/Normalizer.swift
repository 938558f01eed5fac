import Foundation

/// CLIPTokenizerFast's normalizer: NFC, then every run of `\s` to one space, then lowercase scalar by scalar.
///
/// Lowercasing is Rust's `char::to_lowercase` applied to each scalar: the full, context-free mapping, so "Σ" is
/// always "σ" (no final sigma) and "İ" becomes "i" + U+0307. Nothing is normalized again after lowercasing.
///
/// NFC is Foundation's, corrected where it differs from the reference: the reference's tables
/// (`unicode-normalization-alignments`) are Unicode 9.0, Foundation's are newer, and Foundation's NFC on Linux
/// has a few gaps of its own (see `canonicallyOrdered` and `composeMissedStarterPairs`).
enum Normalizer {
  /// The Unicode version of the reference's normalization tables.
  static let referenceNormalizationVersion = (major: 9, minor: 0)

  static func normalize<Scalars: Collection<Unicode.Scalar>>(_ scalars: Scalars) -> [Unicode.Scalar] {
    let composed = nfc(Array(scalars))
    var result: [Unicode.Scalar] = []
    result.reserveCapacity(composed.count)
    var afterWhitespace = false
    for scalar in composed {
      if scalar.isASCII {
        let value = scalar.value
        if value == 0x20 || (0x09...0x0D).contains(value) {
          if !afterWhitespace { result.append(" ") }
          afterWhitespace = true
        } else {
          result.append((0x41...0x5A).contains(value) ? Unicode.Scalar(value + 0x20)! : scalar)
          afterWhitespace = false
        }
        continue
      }
      let properties = scalar.properties
      if properties.isWhitespace {
        if !afterWhitespace { result.append(" ") }
        afterWhitespace = true
        continue
      }
      afterWhitespace = false
      if properties.changesWhenLowercased {
        result.append(contentsOf: properties.lowercaseMapping.unicodeScalars)
      } else {
        result.append(scalar)
      }
    }
    return result
  }

  /// Unicode Normalization Form C, as the reference computes it.
  static func nfc(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
    // Scalars below U+0300 are all starters that compose with nothing before them, and none of them changes
    // under NFC on its own: text made only of them is already NFC.
    guard scalars.contains(where: { $0.value >= 0x300 }) else { return scalars }
    let scalars = canonicallyOrdered(scalars)
    var result: [Unicode.Scalar] = []
    result.reserveCapacity(scalars.count)
    var start = 0
    for (index, scalar) in scalars.enumerated() {
      if isUnknownToReference(scalar) {
        // For the reference a starter that neither decomposes nor composes: NFC joins nothing across it.
        result.append(contentsOf: foundationNFC(scalars[start..<index]))
        result.append(scalar)
        start = index + 1
      } else if isSupplementaryStarterComposingWithNothing(scalar) {
        // Foundation composes a supplementary starter by its low 16 bits: U+10041 U+0300 becomes U+00C0.
        // Nothing after this starter composes with it or moves before it: NFC joins nothing across the cut.
        result.append(contentsOf: foundationNFC(scalars[start...index]))
        start = index + 1
      } else if index - start >= segmentLength, startsNFCSegment(scalar) {
        // Foundation's NFC takes quadratic time on long unnormalized runs: long text goes in segments cut
        // where NFC cannot join the two sides.
        result.append(contentsOf: foundationNFC(scalars[start..<index]))
        start = index
      }
    }
    result.append(contentsOf: foundationNFC(scalars[start...]))
    return composeMissedStarterPairs(result)
  }

  /// Whether `scalar` is unassigned in the reference's Unicode 9.0 tables. There it has combining class 0, no
  /// decomposition and no composition, whatever newer versions say: U+0897 ARABIC PEPET (16.0, class 230) is
  /// not reordered, U+11935 U+11930 (13.0) does not compose to U+11938, which does not decompose.
  static func isUnknownToReference(_ scalar: Unicode.Scalar) -> Bool {
    guard !scalar.isASCII else { return false }
    guard let age = scalar.properties.age else { return true }
    return (age.major, age.minor) > referenceNormalizationVersion
  }

  /// Foundation's NFC (swift-foundation on Linux, checked with Swift 6.3) leaves two starters apart when the
  /// first is itself a composition: a Hangul LV syllable followed by a trailing consonant (U+AC00 U+11A8 stays,
  /// instead of U+AC01), and U+0CCA followed by U+0CD5 (instead of U+0CCB). Both second scalars are starters,
  /// so only an adjacent pair composes, and neither result composes further: one pass completes NFC.
  /// `compositionsMatchReference` feeds every partly composed form to find such gaps.
  private static func composeMissedStarterPairs(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
    var result: [Unicode.Scalar] = []
    result.reserveCapacity(scalars.count)
    for scalar in scalars {
      if let last = result.last, let composed = composeStarters(last, scalar) {
        result[result.count - 1] = composed
      } else {
        result.append(scalar)
      }
    }
    return result
  }

  private static func composeStarters(_ first: Unicode.Scalar, _ second: Unicode.Scalar) -> Unicode.Scalar? {
    // Hangul syllables are U+AC00 + (leading * 21 + vowel) * 28 + trailing; trailing consonants U+11A8...U+11C2.
    let syllables: ClosedRange<UInt32> = 0xAC00...0xD7A3, trailing: ClosedRange<UInt32> = 0x11A8...0x11C2
    if syllables.contains(first.value), (first.value - 0xAC00) % 28 == 0, trailing.contains(second.value) {
      return Unicode.Scalar(first.value + second.value - 0x11A7)
    }
    if first.value == 0x0CCA, second.value == 0x0CD5 { return Unicode.Scalar(0x0CCB) }
    return nil
  }

  /// The supplementary starters that compose with a following scalar (Kaithi, Chakma, Grantha, Tirhuta and
  /// Siddham letters and vowel signs), and those that decompose to end with a mark (Kaithi letters, musical
  /// symbols): NFC must see what follows them. `supplementaryStartersComposeWithNothingElse` checks this list
  /// against every decomposition.
  private static let composingSupplementaryStarters: [ClosedRange<UInt32>] = [
    0x11099...0x1109C, 0x110A5...0x110A5, 0x110AB...0x110AB, 0x11131...0x11132, 0x11347...0x11347,
    0x114B9...0x114B9, 0x115B8...0x115B9, 0x1D15E...0x1D164, 0x1D1BB...0x1D1C0,
  ]

  static func isSupplementaryStarterComposingWithNothing(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value > 0xFFFF && !composingSupplementaryStarters.contains { $0.contains(scalar.value) }
      && scalar.properties.canonicalCombiningClass == .notReordered
  }

  /// The scalars of combining class 0 whose decomposition starts with non-starters, decomposed. Foundation's NFC
  /// leaves them in place instead of ordering their parts among the surrounding marks (U+0F73 U+0F73 stays
  /// U+0F71 U+0F72 U+0F71 U+0F72 instead of U+0F71 U+0F71 U+0F72 U+0F72). NFC never outputs them.
  private static let leadingNonStarterDecompositions: [UInt32: [Unicode.Scalar]] = [
    0x0F73: ["\u{F71}", "\u{F72}"], 0x0F75: ["\u{F71}", "\u{F74}"], 0x0F81: ["\u{F71}", "\u{F80}"],
  ]

  /// `scalars`, canonically equivalent, with the scalars above expanded and every run of non-starters stably
  /// sorted by combining class, as NFC's canonical ordering puts them. Foundation's NFC sorts such a run in
  /// quadratic time; it passes over a sorted one in linear time. A non-starter's decomposition has its own
  /// combining class throughout, so sorting before decomposing gives NFD's order.
  /// `canonicalOrderingAssumptionsHold` checks both claims on every scalar.
  private static func canonicallyOrdered(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
    var result: [Unicode.Scalar] = []
    result.reserveCapacity(scalars.count)
    var classes: [UInt8] = []
    classes.reserveCapacity(scalars.count)
    var runStart = 0
    func sortRun() {
      guard result.count - runStart > 1 else { return }
      let order = (runStart..<result.count).sorted { (classes[$0], $0) < (classes[$1], $1) }
      let sorted = order.map { result[$0] }
      result.replaceSubrange(runStart..., with: sorted)
      classes.replaceSubrange(runStart..., with: order.map { classes[$0] })
    }
    func append(_ scalar: Unicode.Scalar) {
      let combiningClass = scalar.isASCII || isUnknownToReference(scalar)
        ? 0 : scalar.properties.canonicalCombiningClass.rawValue
      if combiningClass == 0 {
        sortRun()
        runStart = result.count + 1
      }
      result.append(scalar)
      classes.append(combiningClass)
    }
    for scalar in scalars {
      if (0x0F73...0x0F81).contains(scalar.value), let parts = leadingNonStarterDecompositions[scalar.value] {
        parts.forEach(append)
      } else {
        append(scalar)
      }
    }
    sortRun()
    return result
  }

  /// Unnormalized text is handed to Foundation in segments of about this many scalars.
  private static let segmentLength = 256

  /// Whether NFC never joins `scalar` to the text before it: it is a starter (combining class 0), and not a mark
  /// or a Hangul vowel or trailing consonant, the only starters that compose with a preceding scalar.
  /// `nfcSegmentBoundariesAreSafe` checks this against every canonical decomposition.
  static func startsNFCSegment(_ scalar: Unicode.Scalar) -> Bool {
    if scalar.isASCII { return true }
    if (0x1161...0x1175).contains(scalar.value) || (0x11A8...0x11C2).contains(scalar.value) { return false }
    let properties = scalar.properties
    switch properties.generalCategory {
    case .nonspacingMark, .spacingMark, .enclosingMark: return false
    default: return properties.canonicalCombiningClass == .notReordered
    }
  }

  private static func foundationNFC(_ scalars: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar] {
    var view = String.UnicodeScalarView()
    view.append(contentsOf: scalars)
    return Array(String(view).precomposedStringWithCanonicalMapping.unicodeScalars)
  }
}
