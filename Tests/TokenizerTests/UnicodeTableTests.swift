import Foundation
import Testing
@testable import Tokenizer

/// Every code point classified and normalized as the reference does (`unicode_reference.json`), so the corpus
/// is not the only evidence for scripts it does not cover.
@Suite(.timeLimit(.minutes(5))) struct UnicodeTableTests {
  typealias Fixtures = ReferenceFixtures

  private static func referenceClasses() -> [(start: UInt32, kind: String)] {
    Fixtures.unicode.classes.map { run in
      guard case let .start(start) = run[0], case let .kind(kind) = run[1] else { fatalError("bad class run \(run)") }
      return (start, kind)
    }
  }

  @Test func scalarClassesMatchReference() {
    let runs = Self.referenceClasses()
    var mismatches: [String] = []
    for (index, run) in runs.enumerated() where run.kind != "surrogate" {
      let end = index + 1 < runs.count ? runs[index + 1].start : 0x110000
      for value in run.start..<end {
        let scalar = Unicode.Scalar(value)!
        let kind: String
        switch ScalarClass(scalar) {
        case .whitespace: kind = "whitespace"
        case .letter: kind = "letter"
        case .number: kind = "number"
        case .other: kind = "other"
        }
        if kind != run.kind { mismatches.append("U+\(String(value, radix: 16)) \(kind) vs \(run.kind)") }
      }
    }
    #expect(runs.last.map { $0.start } ?? 0 < 0x110000)
    #expect(mismatches.isEmpty, "\(mismatches.count) code points: \(mismatches.prefix(20))")
  }

  @Test func everyScalarNormalizesAsReference() {
    let reference = Fixtures.unicode.normalized
    var mismatches: [String] = []
    for value in UInt32(0)...0x10FFFF {
      guard let scalar = Unicode.Scalar(value) else { continue }
      let expected = reference[String(value)].map(Fixtures.scalars) ?? [scalar]
      let actual = Normalizer.normalize([scalar])
      if actual != expected {
        mismatches.append("U+\(String(value, radix: 16)): \(Fixtures.hex(actual)) vs \(Fixtures.hex(expected))")
      }
    }
    #expect(reference.count > 1000)
    #expect(mismatches.isEmpty, "\(mismatches.count) code points: \(mismatches.prefix(20))")
  }

  /// Each canonical decomposition is composed back, except where the reference does not compose; so is every
  /// partly composed form (a composed prefix, then the rest decomposed), which the reference, as the fixture
  /// script checks, normalizes like the decomposed form.
  @Test func compositionsMatchReference() {
    let unicode = Fixtures.unicode
    var checked = 0
    var mismatches: [String] = []
    for value in UInt32(0)...0x10FFFF {
      guard let scalar = Unicode.Scalar(value) else { continue }
      let decomposed = Array(String(Character(scalar)).decomposedStringWithCanonicalMapping.unicodeScalars)
      guard decomposed != [scalar] else { continue }
      let expected = unicode.notComposed[String(value)].map(Fixtures.scalars)
        ?? unicode.normalized[String(value)].map(Fixtures.scalars) ?? [scalar]
      for split in 0..<decomposed.count {
        let prefix = String(String.UnicodeScalarView(decomposed[..<split])).precomposedStringWithCanonicalMapping
        let input = Array(prefix.unicodeScalars) + decomposed[split...]
        checked += 1
        let actual = Normalizer.normalize(input)
        if actual != expected {
          mismatches.append("\(Fixtures.hex(input)): \(Fixtures.hex(actual)) vs \(Fixtures.hex(expected))")
        }
      }
    }
    #expect(checked > 20_000)
    #expect(unicode.notComposed.keys.contains(String(0x11938)))
    #expect(mismatches.isEmpty, "\(mismatches.count) code points: \(mismatches.prefix(20))")
  }

  /// Normalization cuts long text before scalars NFC cannot join to what precedes them: no such scalar follows
  /// the first position of any canonical decomposition, and none decomposes to a leading non-starter.
  @Test func nfcSegmentBoundariesAreSafe() {
    var boundaries = 0
    var mismatches: [String] = []
    for value in UInt32(0)...0x10FFFF {
      guard let scalar = Unicode.Scalar(value) else { continue }
      let decomposed = Array(String(Character(scalar)).decomposedStringWithCanonicalMapping.unicodeScalars)
      for later in decomposed.dropFirst() where Normalizer.startsNFCSegment(later) {
        mismatches.append("U+\(String(value, radix: 16)) decomposes to boundary U+\(String(later.value, radix: 16))")
      }
      if Normalizer.startsNFCSegment(scalar) {
        boundaries += 1
        if decomposed[0].properties.canonicalCombiningClass != .notReordered {
          mismatches.append("boundary U+\(String(value, radix: 16)) decomposes to a non-starter")
        }
      }
    }
    #expect(boundaries > 200_000)
    #expect(mismatches.isEmpty, "\(mismatches.count): \(mismatches.prefix(20))")
  }

  @Test func delicateSequencesNormalizeAsReference() {
    let sequences = Fixtures.unicode.sequences
    #expect(sequences.count >= 1000)
    for pair in sequences {
      let actual = Normalizer.normalize(pair[0].unicodeScalars)
      let expected = Array(pair[1].unicodeScalars)
      #expect(actual == expected,
              "\(Fixtures.hex(pair[0].unicodeScalars)): \(Fixtures.hex(actual)) vs \(Fixtures.hex(expected))")
    }
  }

  /// The normalizer orders marks itself before Foundation composes: only U+0F73, U+0F75 and U+0F81 are starters
  /// decomposing to a leading non-starter, and a non-starter decomposes to scalars of its own combining class.
  @Test func canonicalOrderingAssumptionsHold() {
    var leadingNonStarters: [UInt32] = []
    var mixedClasses: [String] = []
    for value in UInt32(0)...0x10FFFF {
      guard let scalar = Unicode.Scalar(value) else { continue }
      let decomposed = Array(String(Character(scalar)).decomposedStringWithCanonicalMapping.unicodeScalars)
      let combiningClass = scalar.properties.canonicalCombiningClass
      if combiningClass == .notReordered {
        if decomposed[0].properties.canonicalCombiningClass != .notReordered { leadingNonStarters.append(value) }
      } else if decomposed.contains(where: { $0.properties.canonicalCombiningClass != combiningClass }) {
        mixedClasses.append("U+\(String(value, radix: 16))")
      }
    }
    #expect(leadingNonStarters == [0x0F73, 0x0F75, 0x0F81])
    #expect(mixedClasses.isEmpty, "\(mixedClasses)")
  }

  /// Supplementary starters outside `composingSupplementaryStarters` neither start a composition nor decompose to
  /// end with a mark, so NFC is cut after them; and Foundation's low-16-bit composition never shows through.
  @Test func supplementaryStartersComposeWithNothingElse() {
    var missing: [String] = []
    var bmpPairs: [(first: UInt32, second: UInt32)] = []
    for value in UInt32(0)...0x10FFFF {
      guard let scalar = Unicode.Scalar(value), !Normalizer.isUnknownToReference(scalar) else { continue }
      let decomposed = Array(String(Character(scalar)).decomposedStringWithCanonicalMapping.unicodeScalars)
      guard decomposed.count > 1 else { continue }
      let composes = decomposed.count == 2 && Normalizer.nfc(decomposed) == [scalar]
      if composes, decomposed[0].value <= 0xFFFF, scalar.value <= 0xFFFF {
        bmpPairs.append((decomposed[0].value, decomposed[1].value))
      }
      let first = decomposed[0], last = decomposed[decomposed.count - 1]
      if composes, Normalizer.isSupplementaryStarterComposingWithNothing(first) {
        missing.append("U+\(String(first.value, radix: 16)) composes to U+\(String(value, radix: 16))")
      }
      if Normalizer.isSupplementaryStarterComposingWithNothing(scalar),
         last.properties.canonicalCombiningClass != .notReordered {
        missing.append("U+\(String(value, radix: 16)) decomposes to end with a mark")
      }
    }
    #expect(missing.isEmpty, "\(missing)")

    var wrong: [String] = []
    for pair in bmpPairs {
      for plane in UInt32(1)...16 {
        guard let starter = Unicode.Scalar(pair.first + plane << 16), let mark = Unicode.Scalar(pair.second),
              Normalizer.isSupplementaryStarterComposingWithNothing(starter),
              !Normalizer.isUnknownToReference(starter)
        else { continue }
        let expected = Normalizer.normalize([starter]) + Normalizer.normalize([mark])
        if Normalizer.normalize([starter, mark]) != expected {
          wrong.append("U+\(String(starter.value, radix: 16)) U+\(String(mark.value, radix: 16))")
        }
      }
    }
    #expect(bmpPairs.count > 900)
    #expect(wrong.isEmpty, "\(wrong.count): \(wrong.prefix(20))")
  }

  @Test func longUnnormalizedTextIsNormalizedInSegments() {
    // Segments are cut before "e" (ASCII), inside the run; the result is the whole run's NFC.
    let text = Array(String(repeating: "e\u{301}\u{1100}\u{1161}\u{11A8}", count: 2_000).unicodeScalars)
    #expect(Normalizer.normalize(text) == Array(String(repeating: "\u{E9}\u{AC01}", count: 2_000).unicodeScalars))
  }

  @Test func caseMappingsAreContextFree() {
    // Final sigma is not applied, İ keeps its combining dot, ẞ becomes ß (lowercasing is per scalar).
    #expect(Normalizer.normalize("ΣΑΣ".unicodeScalars) == Array("σασ".unicodeScalars))
    #expect(Normalizer.normalize("\u{130}".unicodeScalars) == ["i", "\u{307}"])
    #expect(Normalizer.normalize("\u{1E9E}".unicodeScalars) == ["\u{DF}"])
    #expect(Normalizer.normalize("A\u{30A} \t\u{3000}B".unicodeScalars) == ["\u{E5}", " ", "b"])
  }
}
