import Foundation
import ImageCodecs
import JSONRPC
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Collections through the real executable (issue 17): `index` of a folder and what re-indexing finds after files
/// change, `search` and `rank` against an exact cosine ranking computed here from `encodeImage`/`encodeText`, another
/// model's collection refused, `dropCollection`, cancellation keeping partial work, a restart keeping collections.
/// Every test has its own store directory and image folder.
@Suite(.timeLimit(.minutes(10))) struct CollectionEndToEndTests {
  private let model = WorkerProcess.tinyCLIP.path
  private static let fixtureImages = [
    "gradient-64x64.png", "noise-23x51.png", "noise-40x30.png", "oriented-36x20.jpg",
  ]

  /// A temporary directory holding `store/` and `images/` (a copy of the fixture images).
  private struct Scratch {
    let root: URL
    var store: String { root.appendingPathComponent("store").path }
    var images: URL { root.appendingPathComponent("images") }
    func image(_ name: String) -> String { images.appendingPathComponent(name).path }

    init(_ name: String) throws {
      root = FileManager.default.temporaryDirectory
        .appendingPathComponent("clip-worker-collection-test-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
      try FileManager.default.createDirectory(
        at: root.appendingPathComponent("images"), withIntermediateDirectories: true)
      for file in CollectionEndToEndTests.fixtureImages {
        try FileManager.default.copyItem(
          at: WorkerProcess.fixtures.appendingPathComponent("images/\(file)"), to: images.appendingPathComponent(file))
      }
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
  }

  /// A worker on its own store with calls numbered from 1.
  private final class Session {
    let worker: WorkerProcess
    private var next = 0
    init(model: String, store: String, extra: [String] = []) throws {
      worker = try WorkerProcess(arguments: ["--model", model, "--store", store] + extra)
    }
    func call(_ method: String, _ params: JSONValue? = nil) async throws -> JSONValue {
      next += 1
      return try await worker.call(.number(.init(next)), method, params)
    }
    /// The result of a call that must succeed.
    func result(_ method: String, _ params: JSONValue? = nil) async throws -> JSONValue {
      let response = try await call(method, params)
      return try #require(response.result, "\(method): \(response)")
    }
    func end() async throws {
      worker.closeInput()
      #expect(try await worker.exitCode() == 0, "\(worker.standardError)")
    }
  }

  private func index(_ scratch: Scratch, _ session: Session, collection: String = "pics") async throws -> JSONValue {
    try await session.result(
      "index", ["collection": .string(collection), "folder": ["path": .string(scratch.images.path)]])
  }

  private func counts(_ result: JSONValue) -> [Int] {
    ["added", "updated", "removed", "unchanged"].map { result[$0]?.numberValue.map { Int($0.doubleValue) } ?? -1 }
  }

  private func vector(_ json: JSONValue?) -> [Double] {
    (json?.arrayValue ?? []).compactMap { $0.numberValue?.doubleValue }
  }

  private func cosine(_ a: [Double], _ b: [Double]) -> Double {
    let dot = zip(a, b).map { $0 * $1 }.reduce(0, +)
    return dot / (a.map { $0 * $0 }.reduce(0, +).squareRoot() * b.map { $0 * $0 }.reduce(0, +).squareRoot())
  }

  @Test func reindexingFindsUnchangedUpdatedRemovedAndAddedFiles() async throws {
    let scratch = try Scratch("reindex")
    defer { scratch.remove() }
    let session = try Session(model: model, store: scratch.store)
    let first = try await index(scratch, session)
    #expect(counts(first) == [4, 0, 0, 0])
    #expect(first["failed"] == [])
    #expect(counts(try await index(scratch, session)) == [0, 0, 0, 4])

    let files = FileManager.default
    try files.removeItem(atPath: scratch.image("noise-23x51.png"))
    try files.removeItem(atPath: scratch.image("noise-40x30.png"))
    try files.copyItem(atPath: scratch.image("oriented-36x20.jpg"), toPath: scratch.image("noise-40x30.png"))
    try files.copyItem(atPath: scratch.image("gradient-64x64.png"), toPath: scratch.image("copy.PNG"))
    try Data("not an image".utf8).write(to: URL(fileURLWithPath: scratch.image("broken.png")))
    try Data("ignored".utf8).write(to: URL(fileURLWithPath: scratch.image("notes.txt")))
    let changed = try await index(scratch, session)
    #expect(counts(changed) == [1, 1, 1, 2])
    let failed = try #require(changed["failed"]?.arrayValue)
    #expect(failed.count == 1)
    #expect(failed.first?["path"] == .string(scratch.image("broken.png")))
    #expect(failed.first?["reason"]?.stringValue?.contains("cannot decode") == true, "\(failed)")

    let listed = try await session.result("collections")
    #expect(listed[0]?["name"] == "pics")
    #expect(listed[0]?["entries"] == 4)
    #expect(listed[0]?["model"] == .string(model))
    try await session.end()
  }

  @Test func searchAndRankEqualAnExactCosineRanking() async throws {
    let scratch = try Scratch("ranking")
    defer { scratch.remove() }
    let session = try Session(model: model, store: scratch.store)
    _ = try await index(scratch, session)
    let paths = Self.fixtureImages.map { scratch.image($0) }
    let embedded = try await session.result("encodeImage", ["images": .array(paths.map { ["path": .string($0)] })])
    let images = try #require(embedded["embeddings"]?.arrayValue).map(vector)
    try #require(images.count == paths.count)
    let encoded = try await session.result("encodeText", ["texts": ["a photo of a cat"]])
    let text = try vector(#require(encoded["embeddings"]?[0]))
    try #require(text.count == 24)

    func expected(_ query: [Double]) -> [(path: String, score: Double)] {
      zip(paths, images).map { ($0, cosine(query, $1)) }.sorted { $0.score > $1.score }
    }
    func check(_ results: JSONValue, _ expectation: [(path: String, score: Double)], _ what: String) throws {
      let got = try #require(results.arrayValue, "\(what)")
      #expect(got.map { $0["path"]?.stringValue ?? "" } == expectation.map(\.path), "\(what)")
      for (entry, want) in zip(got, expectation) {
        let score = try #require(entry["score"]?.numberValue?.doubleValue)
        #expect(abs(score - want.score) < 1e-5, "\(what): \(score) vs \(want.score)")
      }
    }
    try check(try await session.result("search", ["collection": "pics", "query": ["text": "a photo of a cat"]]),
              expected(text), "text")
    try check(
      try await session.result("search", ["collection": "pics", "query": ["image": ["path": .string(paths[1])]]]),
      expected(images[1]), "image")
    let floats = text.map { JSONValue($0) }
    try check(
      try await session.result("search", ["collection": "pics", "query": ["embedding": .array(floats)], "topK": 2]),
      Array(expected(text).prefix(2)), "embedding, topK 2")
    let bytes = text.flatMap { value in withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { Array($0) } }
    let base64 = JSONValue.string(Data(bytes).base64EncodedString())
    try check(try await session.result("search", ["collection": "pics", "query": ["embedding": base64]]),
              expected(text), "base64 embedding")
    let threshold = expected(text)[1].score - 1e-6
    try check(
      try await session.result("search", ["collection": "pics", "query": ["text": "a photo of a cat"],
                                          "threshold": JSONValue(threshold)]),
      Array(expected(text).prefix(2)), "threshold")

    let candidates = JSONValue.array(paths.map { ["path": .string($0)] })
    let ranking = try #require(
      try await session.result("rank", ["query": ["text": "a photo of a cat"], "images": candidates]).arrayValue)
    let order = expected(text).map { want in paths.firstIndex(of: want.path)! }
    #expect(ranking.map { $0["index"]?.numberValue.map { Int($0.doubleValue) } ?? -1 } == order)
    try await session.end()
  }

  @Test func badQueriesAndNamesAreInvalidParams() async throws {
    let scratch = try Scratch("invalid")
    defer { scratch.remove() }
    let session = try Session(model: model, store: scratch.store)
    _ = try await index(scratch, session)
    let cases: [(String, JSONValue, String)] = [
      ("search", ["collection": "nothing", "query": ["text": "x"]], "no collection named nothing"),
      ("search", ["collection": "../pics", "query": ["text": "x"]], "must not start with '.'"),
      ("search", ["collection": "a/b", "query": ["text": "x"]], "only ASCII letters"),
      ("search", ["collection": "pics", "query": ["embedding": [1, 2, 3]]],
       "has 3 values, the model's embeddings have 24"),
      ("search", ["collection": "pics", "query": ["text": "x", "image": ["path": "y"]]], "exactly one of"),
      ("search", ["collection": "pics", "query": ["sound": "x"]], "unknown member sound"),
      ("index", ["collection": "pics"], "give images, folder or both"),
      ("index", ["collection": "pics", "folder": ["path": .string(scratch.image("copy.png"))]], "not a directory"),
      ("dropCollection", ["name": "nothing"], "no collection named nothing"),
      ("rank", ["query": ["text": "x"], "images": [], "extra": 1], "extra"),
    ]
    for (method, params, message) in cases {
      let response = try await session.call(method, params)
      #expect(response["error"]?["code"] == -32602, "\(method) \(params): \(response)")
      #expect(response["error"]?["message"]?.stringValue?.contains(message) == true, "\(response)")
    }
    try await session.end()
  }

  @Test func aFolderOutsideTheAllowedPathsIsRefused() async throws {
    let scratch = try Scratch("policy")
    defer { scratch.remove() }
    let allowed = scratch.root.appendingPathComponent("store")
    try FileManager.default.createDirectory(at: allowed, withIntermediateDirectories: true)
    let session = try Session(model: model, store: scratch.store, extra: ["--allow-path", allowed.path])
    let response = try await session.call(
      "index", ["collection": "pics", "folder": ["path": .string(scratch.images.path)]])
    #expect(response["error"]?["code"] == -32005, "\(response)")
    try await session.end()
  }

  @Test func aCollectionOutlivesTheWorkerUntilDropped() async throws {
    let scratch = try Scratch("restart")
    defer { scratch.remove() }
    let first = try Session(model: model, store: scratch.store)
    _ = try await index(scratch, first)
    let before = try await first.result("search", ["collection": "pics", "query": ["text": "a dog"]])
    try await first.end()

    let second = try Session(model: model, store: scratch.store)
    #expect(try await second.result("collections")[0]?["entries"] == 4)
    #expect(try await second.result("search", ["collection": "pics", "query": ["text": "a dog"]]) == before)
    #expect(counts(try await index(scratch, second)) == [0, 0, 0, 4])
    #expect(try await second.result("dropCollection", ["name": "pics"]) == ["name": "pics", "dropped": true])
    #expect(try await second.result("collections") == [])
    try await second.end()

    let third = try Session(model: model, store: scratch.store)
    #expect(try await third.result("collections") == [])
    try await third.end()
    #expect(!FileManager.default.fileExists(atPath: scratch.store + "/collections/pics.col"))
  }

  @Test func aCollectionOfAnotherModelIsRefusedNamingBoth() async throws {
    let scratch = try Scratch("model")
    defer { scratch.remove() }
    let clip = try Session(model: model, store: scratch.store)
    _ = try await index(scratch, clip)
    try await clip.end()

    let siglip = WorkerProcess.tinySigLIP.path
    let other = try Session(model: siglip, store: scratch.store)
    for (method, params) in [
      ("search", ["collection": "pics", "query": ["text": "a dog"]] as JSONValue),
      ("index", ["collection": "pics", "folder": ["path": .string(scratch.images.path)]]),
    ] {
      let response = try await other.call(method, params)
      #expect(response["error"]?["code"] == -32602, "\(response)")
      let message = response["error"]?["message"]?.stringValue ?? ""
      #expect(message.contains("made with model \(model)") && message.contains("loaded model \(siglip)"), "\(message)")
    }
    try await other.end()
  }

  @Test func withoutAStoreCollectionsLiveInMemory() async throws {
    let scratch = try Scratch("memory")
    defer { scratch.remove() }
    let session = try Session(model: model, store: "none")
    #expect(counts(try await index(scratch, session)) == [4, 0, 0, 0])
    #expect(counts(try await index(scratch, session)) == [0, 0, 0, 4])
    #expect(try await session.result("collections")[0]?["entries"] == 4)
    try await session.end()
    let again = try Session(model: model, store: "none")
    #expect(try await again.result("collections") == [])
    try await again.end()
  }

  /// `count` distinct 64×64 24-bit BMP files in `folder`.
  private static func writeBMPs(_ count: Int, to folder: URL) throws {
    let side = 64
    for number in 0..<count {
      var state = UInt32(number + 1) &* 2_654_435_761
      let pixels = (0..<(side * side * 3)).map { _ -> UInt8 in
        state = state &* 1_664_525 &+ 1_013_904_223
        return UInt8(truncatingIfNeeded: state >> 24)
      }
      try Data(BMP.encode(RGBImage(width: side, height: side, pixels: pixels)))
        .write(to: folder.appendingPathComponent(String(format: "image-%04d.bmp", number)))
    }
  }

  @Test func cancellingAnIndexKeepsWhatWasIndexed() async throws {
    let scratch = try Scratch("cancel")
    defer { scratch.remove() }
    let folder = scratch.root.appendingPathComponent("many")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    // Enough that the first progress report (after ~250 ms) comes long before the end on a quiet machine. On a loaded
    // one this process can be starved until the worker has finished; that attempt says nothing about cancellation,
    // so it is made again with a fresh store (no cached embeddings), up to three times.
    let total = 3000
    try Self.writeBMPs(total, to: folder)
    var finishedFirst: [JSONValue] = []
    for attempt in 1...3 {
      let store = scratch.root.appendingPathComponent("store-\(attempt)").path
      let session = try Session(model: model, store: store)
      _ = try await session.result("initialize", ["capabilities": ["progress": true]])
      let worker = session.worker
      worker.sendRequest("index", "index", ["collection": "many", "folder": ["path": .string(folder.path)]])
      func progressDone() -> [Int] {
        worker.messages.filter { $0["method"] == "$/progress" && $0["params"]?["token"] == "index" }
          .compactMap { $0["params"]?["done"]?.numberValue.map { Int($0.doubleValue) } }
      }
      try await waitUntil("index progress") { progressDone().contains { $0 > 0 } }
      worker.notify("$/cancelRequest", ["id": "index"])
      let response = try await worker.response(id: "index")
      if response["result"] != nil {
        finishedFirst.append(response)
        try await session.end()
        continue
      }
      #expect(response["error"]?["code"] == -32800, "\(response)")
      // The answer comes at once; the collection is saved when the indexing task sees the cancel (after its chunk).
      var kept = 0.0
      let deadline = Date().addingTimeInterval(30)
      while kept == 0, Date() < deadline {
        kept = try await session.result("collections")[0]?["entries"]?.numberValue?.doubleValue ?? 0
        try await Task.sleep(nanoseconds: 10_000_000)
      }
      #expect(kept > 0 && kept < Double(total), "\(kept)")
      #expect(progressDone() == progressDone().sorted(), "progress goes forward")
      let again = try await session.result("index", ["collection": "many", "folder": ["path": .string(folder.path)]])
      #expect(counts(again) == [total - Int(kept), 0, 0, Int(kept)])
      try await session.end()
      return
    }
    Issue.record("every attempt finished before its cancel arrived: \(finishedFirst)")
  }

  /// The order and scores NumPy computes from transformers' embeddings (Fixtures/make_search_reference.py).
  @Test func searchMatchesTheNumPyReference() async throws {
    let scratch = try Scratch("numpy")
    defer { scratch.remove() }
    let file = WorkerProcess.fixtures.appendingPathComponent("search_reference.json")
    let reference = try JSONParser.parse([UInt8](try Data(contentsOf: file)))
    let queries = try #require(reference["queries"]?.arrayValue)
    try #require(queries.count == 4)
    let session = try Session(model: model, store: scratch.store)
    _ = try await index(scratch, session)
    for query in queries {
      let text = try #require(query["text"])
      let expected = try #require(query["ranking"]?.arrayValue)
      try #require(expected.count == Self.fixtureImages.count)
      let results = try #require(
        try await session.result("search", ["collection": "pics", "query": ["text": text]]).arrayValue)
      #expect(results.map { $0["path"] } == expected.map { .string(scratch.image($0["image"]?.stringValue ?? "")) },
              "\(text)")
      for (got, want) in zip(results, expected) {
        let score = got["score"]?.numberValue?.doubleValue ?? .nan
        let wanted = want["score"]?.numberValue?.doubleValue ?? .nan
        #expect(abs(score - wanted) < 1e-4, "\(text): \(score) vs \(wanted)")
      }
    }
    try await session.end()
  }
}
