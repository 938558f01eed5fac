import JSONRPC

/// The zero-shot pipeline's `hypothesis_template`, applied as Python's `template.format(label)`: `{}` or
/// `{0}` is replaced by the label, `{{` and `}}` are literal braces, and any other field (which would make
/// Python raise) is refused when the request is read rather than producing a different text.
struct HypothesisTemplate: Equatable {
  static let pipelineDefault = "This is a photo of {}."

  private enum Piece: Equatable { case literal(String), label }
  private let pieces: [Piece]

  init(_ template: String) throws(RPCError) {
    var pieces: [Piece] = []
    var literal = ""
    var characters = template[...]
    var automaticFields = 0, numberedFields = 0
    func fail(_ why: String) -> RPCError { .invalidParams("template \"\(template)\": \(why)") }
    while let character = characters.popFirst() {
      switch character {
      case "{":
        if characters.first == "{" {
          characters.removeFirst()
          literal.append("{")
          continue
        }
        guard let close = characters.firstIndex(of: "}") else { throw fail("unmatched '{'") }
        let field = characters[..<close]
        guard field.isEmpty || field == "0" else {
          throw fail("only {} or {0} may stand for the label, found {\(field)}")
        }
        if field.isEmpty { automaticFields += 1 } else { numberedFields += 1 }
        guard automaticFields <= 1 else { throw fail("more than one {} (Python would raise IndexError)") }
        guard automaticFields == 0 || numberedFields == 0 else { throw fail("mixes {} and {0}") }
        characters = characters[characters.index(after: close)...]
        pieces.append(.literal(literal))
        literal = ""
        pieces.append(.label)
      case "}":
        guard characters.first == "}" else { throw fail("single '}'") }
        characters.removeFirst()
        literal.append("}")
      default:
        literal.append(character)
      }
    }
    pieces.append(.literal(literal))
    self.pieces = pieces.filter { $0 != .literal("") }
  }

  /// The text for one label.
  func apply(_ label: String) -> String {
    pieces.map { piece in
      switch piece {
      case let .literal(text): return text
      case .label: return label
      }
    }.joined()
  }
}
