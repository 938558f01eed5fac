import Foundation
import JSONRPC
import Testing

/// `clip-worker search --html FILE` and `clip-worker classify --html FILE` through the executable: the page is
/// written, parses (balanced tags, escaped text), is self-contained, holds one inline thumbnail (our decoder and
/// resizer, BMP) per result, and shows the same order and scores as `--json`; stdout stays as without `--html`.
@Suite(.timeLimit(.minutes(5))) struct HTMLReportTests {
  @Test func searchPageShowsTheJSONResult() async throws {
    let fixture = try HTMLReportFixture("search")
    defer { fixture.remove() }
    try await fixture.index()
    let search = ["search", "a photo", "--collection", "pics"] + fixture.common
    let (_, json, _) = try await WorkerProcess.run(search + ["--json"])
    let (_, plain, _) = try await WorkerProcess.run(search)
    let page = fixture.root.appendingPathComponent("search.html")
    let (code, output, errors) = try await WorkerProcess.run(search + ["--html", page.path])
    #expect(code == 0, "\(errors)")
    #expect(output == plain)
    #expect(errors.contains("wrote the HTML page \(page.path) (5 results, 5 thumbnails)"), "\(errors)")

    let html = try String(contentsOf: page, encoding: .utf8)
    let scanned = try HTMLScanner(html)
    let result = try JSONParser.parse(Array(json.utf8))
    try #require(result.arrayValue?.count == 5)
    try HTMLReportFixture.checkSearch(scanned, json: result)
    #expect(scanned.elements.first { $0.name == "q" }?.text == "a photo")
    try Self.checkSelfContained(html, scanned)
    // The odd path is there, escaped, and never raw.
    let odd = "/\(HTMLReportFixture.oddFolder)/n<&\"'.png"
    #expect(scanned.elements.contains { $0.attributes["data-path"]?.hasSuffix(odd) == true })
    #expect(!html.contains("n<&"))
    #expect(html.contains("we&lt;ird &amp; &quot;q&quot; &#39;x&#39;/n&lt;&amp;&quot;&#39;.png"))
  }

  @Test func classifyPageShowsTheJSONResult() async throws {
    let fixture = try HTMLReportFixture("classify")
    defer { fixture.remove() }
    let broken = fixture.root.appendingPathComponent("broken.png")
    try Data("not an image".utf8).write(to: broken)
    let labels = ["a cat", "<b>fish</b> & \"chips\"", "it's a dog"]
    let classify = ["classify", fixture.images.path, broken.path, "--store", "none", "--model", fixture.model]
      + labels.flatMap { ["--label", $0] }
    let (_, json, _) = try await WorkerProcess.run(classify + ["--json"])
    let (_, plain, _) = try await WorkerProcess.run(classify)
    let page = fixture.root.appendingPathComponent("classify.html")
    let (code, output, errors) = try await WorkerProcess.run(classify + ["--html", page.path])
    #expect(code == 1, "one input is not an image: \(errors)")
    #expect(output == plain)
    #expect(errors.contains("wrote the HTML page \(page.path) (5 results, 5 thumbnails)"), "\(errors)")

    let html = try String(contentsOf: page, encoding: .utf8)
    let scanned = try HTMLScanner(html)
    let names = ["gradient-64x64.png", "large-300x200.bmp", "noise-23x51.png", "oriented-36x20.jpg",
                 "\(HTMLReportFixture.oddFolder)/n<&\"'.png"].map { fixture.images.path + "/" + $0 }
    try HTMLReportFixture.checkClassify(
      scanned, json: try JSONParser.parse(Array(json.utf8)), names: names, failed: [broken.path])
    #expect(scanned.elements(withClass: "label").map(\.text) == labels)
    try Self.checkSelfContained(html, scanned)
    #expect(!html.contains("<b>fish"))
  }

  @Test func anUnwritablePageIsAnError() async throws {
    let fixture = try HTMLReportFixture("unwritable")
    defer { fixture.remove() }
    let page = fixture.root.appendingPathComponent("no-such-folder/page.html")
    let (code, output, errors) = try await WorkerProcess.run(
      ["classify", fixture.images.appendingPathComponent("gradient-64x64.png").path, "--labels", "a,b",
       "--store", "none", "--model", fixture.model, "--html", page.path])
    #expect(code == 1)
    #expect(output.contains("gradient-64x64.png"), "the results are still printed")
    #expect(errors.contains("cannot write the HTML page \(page.path)"), "\(errors)")
    let (usage, _, usageErrors) = try await WorkerProcess.run(
      ["embed", "x.png", "--html", page.path, "--model", fixture.model])
    #expect(usage == 2, "embed has no page")
    #expect(usageErrors.contains("unknown option --html"), "\(usageErrors)")
    let (help, helpText, _) = try await WorkerProcess.run(["search", "--help"])
    #expect(help == 0)
    #expect(helpText.contains("--html FILE"))
  }

  /// Nothing the page needs comes from elsewhere: no link, no external script, style or image, no URL at all.
  static func checkSelfContained(_ html: String, _ scanned: HTMLScanner) throws {
    #expect(!scanned.elements.contains { $0.name == "link" || $0.name == "iframe" })
    #expect(!scanned.elements.contains { $0.name == "script" && $0.attributes["src"] != nil })
    let sources = scanned.elements.compactMap { $0.attributes["src"] }
    #expect(!sources.isEmpty && sources.allSatisfy { $0.hasPrefix("data:") })
    #expect(!html.contains("http:") && !html.contains("https:") && !html.contains("url("))
  }
}
