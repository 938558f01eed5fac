import JSONRPC
import Testing

@testable import Worker

/// The template is applied as Python's `str.format(label)` would, and what Python would refuse is refused.
@Suite(.timeLimit(.minutes(5))) struct HypothesisTemplateTests {
  @Test(arguments: [
    ("This is a photo of {}.", "cat", "This is a photo of cat."),
    ("{}", "dog", "dog"),
    ("a {0} and another {0}", "cat", "a cat and another cat"),
    ("{{literal}} {}", "x", "{literal} x"),
    ("no field", "x", "no field"),
    ("", "x", ""),
  ])
  func appliesLikePythonFormat(template: String, label: String, expected: String) throws {
    #expect(try HypothesisTemplate(template).apply(label) == expected)
  }

  @Test(arguments: ["{} and {}", "{name}", "{1}", "{", "}", "a } b", "{} {0}"])
  func refusesWhatPythonRefuses(template: String) {
    #expect(throws: RPCError.self) { try HypothesisTemplate(template) }
  }
}
