import Foundation
import JSONRPC
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `clip-worker index DIR --collection NAME` and `clip-worker search TEXT --collection NAME` through the executable,
/// each on its own store directory.
@Suite(.timeLimit(.minutes(5))) struct CollectionCommandTests {
  private let model = WorkerProcess.tinyCLIP.path

  @Test func indexThenSearchAtTheCommandLine() async throws {
    let root = FileManager.default.temporaryDirectory
      .appendingPathComponent("clip-worker-collection-command-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    defer { try? FileManager.default.removeItem(at: root) }
    let images = root.appendingPathComponent("images")
    try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
    for name in ["gradient-64x64.png", "noise-40x30.png", "oriented-36x20.jpg"] {
      try FileManager.default.copyItem(
        at: WorkerProcess.fixtures.appendingPathComponent("images/\(name)"), to: images.appendingPathComponent(name))
    }
    let common = ["--collection", "pics", "--model", model, "--store", root.appendingPathComponent("store").path]

    let (indexed, summary, indexErrors) = try await WorkerProcess.run(["index", images.path] + common)
    #expect(indexed == 0, "\(indexErrors)")
    #expect(summary == "\(images.path): 3 added, 0 updated, 0 removed, 0 unchanged, 0 failed")
    let (again, json, _) = try await WorkerProcess.run(["index", images.path, "--json"] + common)
    #expect(again == 0)
    #expect(try JSONParser.parse(Array(json.utf8)) == [
      "added": 0, "updated": 0, "removed": 0, "unchanged": 3, "failed": [],
    ])

    let (searched, lines, searchErrors) = try await WorkerProcess.run(["search", "a photo", "--top-k", "2"] + common)
    #expect(searched == 0, "\(searchErrors)")
    let rows = lines.split(separator: "\n")
    #expect(rows.count == 2)
    let (_, searchJSON, _) = try await WorkerProcess.run(["search", "a photo", "--json"] + common)
    let results = try #require(try JSONParser.parse(Array(searchJSON.utf8)).arrayValue)
    try #require(results.count == 3)
    for (row, result) in zip(rows, results) {
      let score = String(format: "%.4f", result["score"]?.numberValue?.doubleValue ?? .nan)
      #expect(row == "\(score)  \(result["path"]?.stringValue ?? "")")
    }

    let (unknown, _, unknownErrors) = try await WorkerProcess.run(
      ["search", "x", "--collection", "other", "--model", model, "--store", root.appendingPathComponent("store").path])
    #expect(unknown == 2)
    #expect(unknownErrors.contains("no collection named other"))
    let (memory, _, memoryErrors) = try await WorkerProcess.run(
      ["search", "x", "--collection", "pics", "--model", model, "--store", "none"])
    #expect(memory == 2)
    #expect(memoryErrors.contains("cannot run with --store none"))
  }
}
