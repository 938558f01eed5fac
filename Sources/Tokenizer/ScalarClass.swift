/// The classes CLIP's split pattern distinguishes: `\s`, `\p{L}`, `\p{N}` and everything else.
///
/// The reference (`tokenizers`, through Oniguruma) defines `\s` as the Unicode White_Space property and
/// `\p{L}`/`\p{N}` by General_Category, from its Unicode 16.0 tables. Swift's tables may be newer: a scalar
/// assigned after Unicode 16.0 is unassigned for the reference, so it falls in "other" here too. The test
/// `scalarClassesMatchReference` checks every code point against the reference.
enum ScalarClass: UInt8 {
  case whitespace, letter, number, other

  /// The Unicode version of the reference's character tables.
  static let referenceUnicodeVersion = (major: 16, minor: 0)

  private static let ascii: [ScalarClass] = (0..<128).map { value in
    switch UInt8(value) {
    case 0x09...0x0D, 0x20: return .whitespace
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): return .letter
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
    default: return .other
    }
  }

  init(_ scalar: Unicode.Scalar) {
    if scalar.isASCII {
      self = Self.ascii[Int(scalar.value)]
      return
    }
    let properties = scalar.properties
    if properties.isWhitespace {
      self = .whitespace
      return
    }
    guard let age = properties.age,
          (age.major, age.minor) <= Self.referenceUnicodeVersion
    else {
      self = .other
      return
    }
    switch properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: self = .letter
    case .decimalNumber, .letterNumber, .otherNumber: self = .number
    default: self = .other
    }
  }
}
