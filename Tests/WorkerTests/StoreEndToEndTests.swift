import Foundation
import JSONRPC
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The persistent store through the real executable (issue 16): what a restart finds, what it must not find, how
/// damage, `kill -9`, a directory it cannot write and several workers at once are survived. Every test uses a
/// store directory of its own.
@Suite(.timeLimit(.minutes(10))) struct StoreEndToEndTests {
  private let model = WorkerProcess.tinyCLIP.path

  private static func temporaryDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("clip-worker-store-test-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  private func image(_ name: String) -> JSONValue {
    ["path": .string(WorkerProcess.fixtures.appendingPathComponent("images/\(name)").path)]
  }

  private func worker(store: String, model: String? = nil, extra: [String] = []) throws -> WorkerProcess {
    try WorkerProcess(arguments: ["--model", model ?? self.model, "--store", store] + extra)
  }

  /// The embeddings and `cached` of a result, or a failure naming the response.
  private func embeddings(_ response: JSONValue) throws -> (vectors: [[Double]], cached: [JSONValue]) {
    let result = try #require(response.result, "\(response)")
    let vectors = try #require(result["embeddings"]?.arrayValue, "\(response)").map { row in
      (row.arrayValue ?? []).compactMap { $0.numberValue?.doubleValue }
    }
    return (vectors, try #require(result["cached"]?.arrayValue, "\(response)"))
  }

  /// Runs one worker on `store` for `calls` (method, params) in order; returns the responses and its stderr.
  private func session(
    store: String, model: String? = nil, _ calls: [(String, JSONValue)]
  ) async throws -> (responses: [JSONValue], errors: String) {
    let worker = try worker(store: store, model: model)
    var responses: [JSONValue] = []
    for (index, call) in calls.enumerated() { responses.append(try await worker.call(.number(.init(index)), call.0, call.1)) }
    worker.closeInput()
    #expect(try await worker.exitCode() == 0, "\(worker.standardError)")
    return (responses, worker.standardError)
  }

  @Test func aRestartServesTextsAndImagesFromTheStore() async throws {
    let store = try Self.temporaryDirectory("restart")
    defer { try? FileManager.default.removeItem(at: store) }
    let calls: [(String, JSONValue)] = [
      ("encodeText", ["texts": ["a photo of a cat", "a photo of a dog"]]),
      ("encodeImage", ["images": [image("gradient-64x64.png"), image("noise-40x30.png")]]),
    ]
    let first = try await session(store: store.path, calls)
    let second = try await session(store: store.path, calls + [("cacheStats", [:])])
    for index in 0..<2 {
      let (before, cachedBefore) = try embeddings(first.responses[index])
      let (after, cachedAfter) = try embeddings(second.responses[index])
      #expect(cachedBefore == [false, false])
      #expect(cachedAfter == ["store", "store"])
      #expect(before == after)
    }
    let stats = try #require(second.responses[2].result?["store"])
    #expect(stats["hits"] == 4)
    #expect(stats["entries"] == 4)
    #expect(stats["errors"] == 0)
    #expect(stats["directory"] == .string(store.path))
  }

  @Test func initializeAndCheckReportTheStore() async throws {
    let store = try Self.temporaryDirectory("initialize")
    defer { try? FileManager.default.removeItem(at: store) }
    let (responses, _) = try await session(store: store.path, [("initialize", [:])])
    let reported = try #require(responses[0].result?["store"])
    #expect(reported["directory"] == .string(store.path))
    #expect(reported["capacityBytes"] == .number(.init(2048 * 1024 * 1024)))
    #expect(reported["writable"] == true)
    let (_, noStore, _) = try await WorkerProcess.run(["check", "--model", model, "--store", "none"])
    #expect(noStore.contains("store      none"))
    let (code, output, errors) = try await WorkerProcess.run(["check", "--model", model, "--store", store.path, "--store-mb", "64"])
    #expect(code == 0, "\(errors)")
    #expect(output.contains("store      \(store.path) (bound 64 MiB)"), "\(output)")
    let off = try await session(store: "none", [("initialize", [:]), ("cacheStats", [:])])
    #expect(off.responses[0].result?["store"] == .null)
    #expect(off.responses[1].result?["store"] == .null)
  }

  @Test func aRewrittenCheckpointOfTheSameSizeDoesNotHit() async throws {
    let root = try Self.temporaryDirectory("rewritten")
    defer { try? FileManager.default.removeItem(at: root) }
    let checkpoint = root.appendingPathComponent("model")
    try FileManager.default.copyItem(at: WorkerProcess.tinyCLIP, to: checkpoint)
    let store = root.appendingPathComponent("store").path
    let calls: [(String, JSONValue)] = [("encodeText", ["texts": ["a photo of a cat"]])]
    let first = try await session(store: store, model: checkpoint.path, calls)
    // Same name, same size, same header: one weight's low byte changed, the file written anew.
    let weights = checkpoint.appendingPathComponent("model.safetensors")
    var bytes = try [UInt8](Data(contentsOf: weights))
    let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    let position = 8 + headerLength + (bytes.count - 8 - headerLength) / 2
    bytes[position] ^= 0x01
    let size = bytes.count
    try Data(bytes).write(to: weights)
    #expect(try FileManager.default.attributesOfItem(atPath: weights.path)[.size] as? Int == size)
    let second = try await session(store: store, model: checkpoint.path, calls)
    #expect(try embeddings(first.responses[0]).cached == [false])
    #expect(try embeddings(second.responses[0]).cached == [false])
    // The original again (another copy of the same files): not the changed model's vector either.
    let third = try await session(store: store, model: WorkerProcess.tinyCLIP.path, calls)
    #expect(try embeddings(third.responses[0]).cached == [false])
    #expect(try embeddings(third.responses[0]).vectors == embeddings(first.responses[0]).vectors)
  }

  @Test func cacheClearWithStoreEmptiesItForTheNextStart() async throws {
    let store = try Self.temporaryDirectory("clear")
    defer { try? FileManager.default.removeItem(at: store) }
    let text: (String, JSONValue) = ("encodeText", ["texts": ["a photo of a cat"]])
    _ = try await session(store: store.path, [text])
    let kept = try await session(store: store.path, [("cacheClear", [:]), text])
    #expect(try embeddings(kept.responses[1]).cached == ["store"])
    let cleared = try await session(store: store.path, [("cacheClear", ["store": true]), text, ("cacheStats", [:])])
    #expect(cleared.responses[0].result == .null)
    #expect(try embeddings(cleared.responses[1]).cached == [false])
    #expect(cleared.responses[2].result?["store"]?["entries"] == 1)
    let again = try await session(store: store.path, [text])
    #expect(try embeddings(again.responses[0]).cached == ["store"])
    let bad = try await session(store: store.path, [("cacheClear", ["store": "yes"])])
    #expect(bad.responses[0].errorCode == -32602)
  }

  @Test func aStoreThatCannotBeWrittenServesFromMemoryAndSaysSoOnce() async throws {
    let root = try Self.temporaryDirectory("unwritable")
    defer { try? FileManager.default.removeItem(at: root) }
    // A directory under a regular file cannot be created, whoever runs the test (root ignores permissions).
    let blocker = root.appendingPathComponent("file")
    try Data("not a directory".utf8).write(to: blocker)
    let store = blocker.appendingPathComponent("store").path
    let text: (String, JSONValue) = ("encodeText", ["texts": ["a photo of a cat", "a dog"]])
    let (responses, errors) = try await session(store: store, [text, text, text, ("cacheStats", [:])])
    #expect(try embeddings(responses[0]).cached == [false, false])
    #expect(try embeddings(responses[2]).cached == ["memory", "memory"])
    #expect(try embeddings(responses[0]).vectors == embeddings(responses[2]).vectors)
    #expect(responses[3].result?["store"]?["writable"] == false)
    let warnings = errors.split(separator: "\n").filter { $0.contains("store") && $0.contains("warning") }
    #expect(warnings.count == 1, "\(errors)")
  }

  @Test func damagedSegmentsAreDroppedAndCountedAndTheRestServes() async throws {
    let store = try Self.temporaryDirectory("damage")
    defer { try? FileManager.default.removeItem(at: store) }
    let texts = (0..<40).map { "text number \($0)" }
    let reference = try await session(store: "none", [("encodeText", ["texts": .array(texts.map { .string($0) })])])
    let expected = try embeddings(reference.responses[0]).vectors
    for text in texts { _ = try await session(store: store.path, [("encodeText", ["texts": [.string(text)]])]) }
    let segments = try FileManager.default.contentsOfDirectory(atPath: store.path).filter { $0.hasSuffix(".seg") }.sorted()
    #expect(segments.count >= 3)
    // A bit flip in the middle of one segment, another truncated, a third filled with garbage; the hints stay.
    func mutate(_ name: String, _ change: (inout [UInt8]) -> Void) throws {
      let url = store.appendingPathComponent(name)
      var bytes = try [UInt8](Data(contentsOf: url))
      change(&bytes)
      try Data(bytes).write(to: url)
    }
    try mutate(segments[0]) { $0[$0.count / 2] ^= 0x10 }
    try mutate(segments[1]) { $0.removeLast($0.count / 3) }
    try mutate(segments[2]) { bytes in for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: index &* 131) } }
    let after = try await session(
      store: store.path, [("encodeText", ["texts": .array(texts.map { .string($0) })]), ("cacheStats", [:])])
    let (vectors, cached) = try embeddings(after.responses[0])
    #expect(vectors == expected)
    let fromStore = cached.filter { $0 == "store" }.count
    #expect(fromStore >= texts.count - 3 && fromStore < texts.count, "\(cached)")
    #expect((after.responses[1].result?["store"]?["errors"]?.numberValue?.intValue ?? 0) > 0)
  }

  @Test func aGarbageStoreDirectoryNeverStopsTheWorker() async throws {
    let store = try Self.temporaryDirectory("garbage")
    defer { try? FileManager.default.removeItem(at: store) }
    for (name, size) in [("0000000000000001-00000001-00000001.seg", 5000), ("0000000000000001-00000001-00000001.hint", 300),
                         ("cleared", 3), ("lock", 10)] {
      try Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }).write(to: store.appendingPathComponent(name))
    }
    let (responses, _) = try await session(store: store.path, [("encodeText", ["texts": ["a cat"]]), ("encodeText", ["texts": ["a cat"]])])
    #expect(try embeddings(responses[0]).cached == [false])
    #expect(try embeddings(responses[1]).cached == ["memory"])
  }

  /// Killed with SIGKILL 200 times at random points while answering and writing (a small bound, so that evictions
  /// and compactions run too): every start opens the store, and no vector it returns, from the store or not,
  /// ever differs from what the model computes.
  @Test func twoHundredKillsNeverGiveAWrongVector() async throws {
    let store = try Self.temporaryDirectory("kill")
    defer { try? FileManager.default.removeItem(at: store) }
    var known: [String: [Double]] = [:]
    var generator = SystemRandomNumberGenerator()
    var storeAnswers = 0
    for round in 0..<200 {
      let worker = try worker(store: store.path, extra: ["--store-mb", "1"])
      let fresh = (0..<6).map { "round \(round) text \($0)" }
      let earlier = (0..<2).compactMap { _ in round == 0 ? nil : "round \(Int.random(in: 0..<round, using: &generator)) text \(Int.random(in: 0..<6, using: &generator))" }
      let texts = fresh + earlier
      for id in 0..<4 { worker.sendRequest(.number(.init(id)), "encodeText", ["texts": .array(texts.map { .string($0) })]) }
      let first = try await worker.response(id: 0)
      try await Task.sleep(nanoseconds: UInt64.random(in: 0...20_000_000, using: &generator))
      kill(worker.process.processIdentifier, SIGKILL)
      _ = try await worker.exitCode()
      for response in worker.messages where response["id"] != nil {
        let (vectors, cached) = try embeddings(response)
        for (text, (vector, source)) in zip(texts, zip(vectors, cached)) {
          if source == "store" { storeAnswers += 1 }
          if let before = known[text] {
            #expect(before == vector, "round \(round): \(text) answered \(source) with another vector")
          } else {
            known[text] = vector
          }
        }
      }
      _ = first
    }
    #expect(storeAnswers > 0)
    // A clean start answers every text seen with the model's own vectors.
    let texts = known.keys.sorted()
    let final = try await session(store: store.path, [("encodeText", ["texts": .array(texts.map { .string($0) })])])
    let reference = try await session(store: "none", [("encodeText", ["texts": .array(texts.map { .string($0) })])])
    let (vectors, _) = try embeddings(final.responses[0])
    #expect(vectors == (try embeddings(reference.responses[0]).vectors))
    #expect(vectors == texts.map { known[$0]! })
  }

  /// Four workers at once on one store, writing the same and different keys: none corrupts another's records, and
  /// a worker started afterwards finds every record any of them wrote.
  @Test func fourWorkersShareOneStore() async throws {
    let store = try Self.temporaryDirectory("shared")
    defer { try? FileManager.default.removeItem(at: store) }
    let shared = (0..<20).map { "shared text \($0)" }
    let own = (0..<4).map { worker in (0..<20).map { "worker \(worker) text \($0)" } }
    let workers = try (0..<4).map { _ in try worker(store: store.path) }
    for (index, worker) in workers.enumerated() {
      for (id, chunk) in stride(from: 0, to: 20, by: 5).enumerated() {
        let texts = own[index][chunk..<chunk + 5] + shared[chunk..<chunk + 5]
        worker.sendRequest(.number(.init(id)), "encodeText", ["texts": .array(texts.map { .string($0) })])
      }
    }
    for worker in workers {
      for id in 0..<4 { #expect(try await worker.response(id: .number(.init(id))).result != nil) }
      worker.closeInput()
    }
    for worker in workers { #expect(try await worker.exitCode() == 0, "\(worker.standardError)") }
    let all = shared + own.flatMap { $0 }
    let after = try await session(store: store.path, [("encodeText", ["texts": .array(all.map { .string($0) })]), ("cacheStats", [:])])
    let reference = try await session(store: "none", [("encodeText", ["texts": .array(all.map { .string($0) })])])
    let (vectors, cached) = try embeddings(after.responses[0])
    #expect(cached.allSatisfy { $0 == "store" }, "\(cached)")
    #expect(vectors == (try embeddings(reference.responses[0]).vectors))
    #expect(after.responses[1].result?["store"]?["errors"] == 0)
  }

  @Test func oneShotCommandsUseTheStore() async throws {
    let store = try Self.temporaryDirectory("oneshot")
    defer { try? FileManager.default.removeItem(at: store) }
    let (code, output, errors) = try await WorkerProcess.run(["embed", "--text", "a photo of a cat", "--model", model, "--store", store.path])
    #expect(code == 0, "\(errors)")
    let (responses, _) = try await session(store: store.path, [("encodeText", ["texts": ["a photo of a cat"]])])
    let (vectors, cached) = try embeddings(responses[0])
    #expect(cached == ["store"])
    let printed = output.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    #expect(printed == vectors[0])
  }
}
