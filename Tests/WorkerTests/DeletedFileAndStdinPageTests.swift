import Foundation
import JSONRPC
import Testing

/// Through the executable (issue 17): `classify - --html FILE` with the image on stdin writes a page with its one
/// result; a file deleted after `index` is still found by `search` (the collection keeps it until the next `index`)
/// and its row on the `--html` page shows a placeholder instead of a thumbnail; `index` then removes it.
@Suite(.timeLimit(.minutes(5))) struct DeletedFileAndStdinPageTests {
  @Test func classifyFromStdinWritesAPageWithItsOneResult() async throws {
    let fixture = try HTMLReportFixture("stdin")
    defer { fixture.remove() }
    let image = try Data(contentsOf: fixture.images.appendingPathComponent("gradient-64x64.png"))
    let classify = ["classify", "-", "--labels", "a cat,a dog", "--store", "none", "--model", fixture.model]
    func run(_ extra: [String]) async throws -> (Int32, String, String) {
      let worker = try WorkerProcess(arguments: classify + extra)
      worker.send(bytes: [UInt8](image))
      worker.closeInput()
      let code = try await worker.exitCode()
      return (code, worker.lines.joined(separator: "\n"), worker.standardError)
    }
    let (_, json, _) = try await run(["--json"])
    let page = fixture.root.appendingPathComponent("stdin.html")
    let (code, _, errors) = try await run(["--html", page.path])
    #expect(code == 0, "\(errors)")
    #expect(errors.contains("wrote the HTML page \(page.path) (1 results, 1 thumbnails)"), "\(errors)")
    let scanned = try HTMLScanner(try String(contentsOf: page, encoding: .utf8))
    let cards = scanned.elements(withClass: "card")
    try #require(cards.count == 1)
    #expect(cards[0].attributes["data-path"] == "-")
    // One input: the ranking itself, as `classify {image}` answers.
    let ranking = try #require(try JSONParser.parse(Array(json.utf8)).arrayValue)
    try #require(ranking.count == 2)
    let bars = scanned.elements(withClass: "score")
    #expect(bars.map { $0.attributes["data-label"] } == ranking.map { $0["label"]?.stringValue })
    #expect(bars.map { $0.attributes["data-score"] } == ranking.map { $0["score"]?.description })
    let thumbnails = scanned.elements.filter { $0.name == "img" }
    try #require(thumbnails.count == 1)
    let thumbnail = try HTMLReportFixture.decodeThumbnail(thumbnails[0].attributes["src"] ?? "")
    #expect(thumbnail.width == 64 && thumbnail.height == 64)
  }

  @Test func aDeletedFileIsSearchedUntilTheNextIndex() async throws {
    let fixture = try HTMLReportFixture("deleted")
    defer { fixture.remove() }
    try await fixture.index()
    let gone = fixture.images.appendingPathComponent("noise-23x51.png").path
    try FileManager.default.removeItem(atPath: gone)
    let search = ["search", "a photo", "--collection", "pics", "--top-k", "10"] + fixture.common

    let (jsonCode, json, jsonErrors) = try await WorkerProcess.run(search + ["--json"])
    #expect(jsonCode == 0, "\(jsonErrors)")
    let results = try #require(try JSONParser.parse(Array(json.utf8)).arrayValue)
    #expect(results.count == 5, "the entry stays until the next index")
    #expect(results.contains { $0["path"]?.stringValue == gone })

    let page = fixture.root.appendingPathComponent("deleted.html")
    let (code, _, errors) = try await WorkerProcess.run(search + ["--html", page.path])
    #expect(code == 0, "\(errors)")
    #expect(errors.contains("wrote the HTML page \(page.path) (5 results, 4 thumbnails, 1 without)"), "\(errors)")
    let scanned = try HTMLScanner(try String(contentsOf: page, encoding: .utf8))
    let rows = scanned.elements(withClass: "result")
    #expect(rows.map { $0.attributes["data-path"] } == results.map { $0["path"]?.stringValue })
    #expect(rows.map { $0.attributes["data-score"] } == results.map { $0["score"]?.description })
    let placeholders = scanned.elements(withClass: "missing")
    try #require(placeholders.count == 1)
    #expect(placeholders[0].attributes["title"] == "the file is gone (index again to drop it)")
    #expect(scanned.elements.filter { $0.name == "img" }.count == 4)

    let (indexCode, summary, indexErrors) = try await WorkerProcess.run(
      ["index", fixture.images.path, "--collection", "pics"] + fixture.common)
    #expect(indexCode == 0, "\(indexErrors)")
    #expect(summary.contains("0 added, 0 updated, 1 removed, 4 unchanged, 0 failed"), "\(summary)")
    let (_, after, _) = try await WorkerProcess.run(search + ["--json"])
    let remaining = try #require(try JSONParser.parse(Array(after.utf8)).arrayValue)
    #expect(remaining.count == 4)
    #expect(!remaining.contains { $0["path"]?.stringValue == gone })
  }
}
