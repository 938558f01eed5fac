/// Python's `str` operations that SigLIP's text canonicalization uses, on Unicode scalars (Python's code points).
enum PythonText {
  /// `str.isspace()`, which is also what `re`'s `\s` and `str.strip()` accept: bidirectional class WS, B or S, or
  /// general category Zs (Python 3.11, Unicode 14).
  static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
      true
    default:
      false
    }
  }

  /// `string.punctuation`: the ASCII punctuation characters.
  static func isASCIIPunctuation(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: true
    default: false
    }
  }

  /// The Unicode version of Python's `unicodedata` in the reference stack (Python 3.11). Scalars assigned later are
  /// unassigned there: they have no case mapping and are neither cased nor case-ignorable.
  static let unicodeVersion = (major: 14, minor: 0)

  private static func isKnown(_ scalar: Unicode.Scalar) -> Bool {
    guard let age = scalar.properties.age else { return false }
    return (age.major, age.minor) <= unicodeVersion
  }

  /// `str.lower()`: each scalar's full lowercase mapping, and capital sigma Σ as final ς where Python's
  /// `handle_capital_sigma` finds it final (after a cased letter, not before one, case-ignorable scalars skipped).
  /// Scalars newer than `unicodeVersion` are kept as they are.
  static func lowercased(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
    var output: [Unicode.Scalar] = []
    output.reserveCapacity(scalars.count)
    for (index, scalar) in scalars.enumerated() {
      if scalar.value < 0x80 {
        output.append(scalar.value >= 0x41 && scalar.value <= 0x5A ? Unicode.Scalar(scalar.value + 32)! : scalar)
      } else if scalar == "\u{03A3}" {
        output.append(isFinalSigma(scalars, at: index) ? "\u{03C2}" : "\u{03C3}")
      } else if isKnown(scalar) {
        output.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
      } else {
        output.append(scalar)
      }
    }
    return output
  }

  private static func isFinalSigma(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
    var before = index - 1
    while before >= 0 && isCaseIgnorable(scalars[before]) { before -= 1 }
    guard before >= 0, isCased(scalars[before]) else { return false }
    var after = index + 1
    while after < scalars.count && isCaseIgnorable(scalars[after]) { after += 1 }
    return after == scalars.count || !isCased(scalars[after])
  }

  private static func isCased(_ scalar: Unicode.Scalar) -> Bool { isKnown(scalar) && scalar.properties.isCased }

  private static func isCaseIgnorable(_ scalar: Unicode.Scalar) -> Bool {
    isKnown(scalar) && scalar.properties.isCaseIgnorable
  }
}
