import Foundation
import HubTestSupport
import Testing
@testable import Hub

/// Downloads through the real URLSession from a loopback Hub stand-in (`FakeHub`).
@Suite(.timeLimit(.minutes(5))) struct ModelResolverDownloadTests {
  let repo = "openai/clip-test"

  @Test func firstRunDownloadsIntoTheHubCacheLayout() throws {
    let cache = try TestCheckpoint.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: cache) }
    let hub = try TestCheckpoint.hub(repo: repo, weights: TestCheckpoint.bytes(count: 4096, seed: 1))
    hub.add("pytorch_model.bin", TestCheckpoint.bytes(count: 100, seed: 2))
    hub.add("flax_model.msgpack", TestCheckpoint.bytes(count: 100, seed: 3))
    let resolver = ModelResolver(files: TestCheckpoint.files, configuration: TestCheckpoint.configuration(
      cache: cache, endpoint: hub.endpoint, token: "hf_secret"))

    let snapshot = try resolver.resolve(.hub(repo: repo, revision: "main"))

    let repoFolder = cache.appendingPathComponent("models--openai--clip-test")
    #expect(snapshot.path == repoFolder.appendingPathComponent("snapshots/\(hub.commit)").path)
    #expect(try String(contentsOf: repoFolder.appendingPathComponent("refs/main"), encoding: .utf8) == hub.commit)
    for name in TestCheckpoint.smallFiles.keys.sorted() + ["model.safetensors"] {
      let file = try #require(hub.file(name))
      let link = snapshot.appendingPathComponent(name)
      let target = try FileManager.default.destinationOfSymbolicLink(atPath: link.path)
      #expect(target == "../../blobs/\(file.etag)", "\(name)")
      #expect(try TestCheckpoint.contents(link) == file.bytes, "\(name)")
      #expect(try TestCheckpoint.contents(repoFolder.appendingPathComponent("blobs/\(file.etag)")) == file.bytes)
    }
    // The LFS file is named by its 64-digit X-Linked-Etag, a small file by its 40-digit ETag.
    #expect(hub.file("model.safetensors")?.etag.count == 64)
    #expect(hub.file("config.json")?.etag.count == 40)
    // Files the repo lacks are remembered per commit, as huggingface_hub's .no_exist does.
    #expect(FileManager.default.fileExists(
      atPath: repoFolder.appendingPathComponent(".no_exist/\(hub.commit)/tokenizer.json").path))
    // Blob locks sit where huggingface_hub puts them, so Python and Swift downloads exclude each other.
    let weightsETag = try #require(hub.file("model.safetensors")?.etag)
    #expect(FileManager.default.fileExists(
      atPath: cache.appendingPathComponent(".locks/models--openai--clip-test/\(weightsETag).lock").path))
    let blobs = try FileManager.default.contentsOfDirectory(atPath: repoFolder.appendingPathComponent("blobs").path)
    #expect(!blobs.contains { $0.hasSuffix(".incomplete") })
    // Only the files the worker reads were asked for; pickles and other frameworks' weights were not.
    let paths = hub.requests.map(\.path)
    #expect(!paths.contains { $0.contains("pytorch_model.bin") || $0.contains("flax_model") })
    // The token goes to the Hub, never to the CDN it redirects to.
    #expect(hub.hub.requests.allSatisfy { $0.headers["authorization"] == "Bearer hf_secret" })
    #expect(!hub.cdn.requests.isEmpty)
    #expect(hub.cdn.requests.allSatisfy { $0.headers["authorization"] == nil })
    // Every file after config.json is asked for at the commit config.json reported, so the snapshot is one commit.
    #expect(hub.hub.requests.dropFirst().allSatisfy { $0.path.contains("/resolve/\(hub.commit)/") })
  }

  @Test func secondRunUsesTheCacheWithoutTheNetwork() throws {
    let cache = try TestCheckpoint.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: cache) }
    let hub = try TestCheckpoint.hub(repo: repo, weights: TestCheckpoint.bytes(count: 2048, seed: 4))
    let configuration = TestCheckpoint.configuration(cache: cache, endpoint: hub.endpoint)
    let first = try ModelResolver(files: TestCheckpoint.files, configuration: configuration).resolve(.hub(repo: repo, revision: "main"))
    let requestsAfterFirst = hub.requests.count
    hub.hub.stop()
    hub.cdn.stop()

    var progressReports = 0
    let second = try ModelResolver(files: TestCheckpoint.files, configuration: configuration).resolve(.hub(repo: repo, revision: "main")) { _ in
      progressReports += 1
    }
    var offline = configuration
    offline.offline = true
    let third = try ModelResolver(files: TestCheckpoint.files, configuration: offline).resolve(.hub(repo: repo, revision: "main"))
    let byCommit = try ModelResolver(files: TestCheckpoint.files, configuration: offline).resolve(.hub(repo: repo, revision: hub.commit))

    #expect(second == first && third == first && byCommit == first)
    #expect(hub.requests.count == requestsAfterFirst)
    #expect(progressReports == 0)
  }

  @Test func offlineWithAMissingModelSaysWhatIsMissing() throws {
    let cache = try TestCheckpoint.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: cache) }
    // A closed port: a request would fail, so an offline resolver that tried would throw a transport error.
    let resolver = ModelResolver(files: TestCheckpoint.files, configuration: TestCheckpoint.configuration(
      cache: cache, endpoint: URL(string: "http://127.0.0.1:9")!, offline: true))
    let expected = HubError.offlineAndMissing(repo: "openai/clip-vit-base-patch32", revision: "main", files: [
      "config.json", "preprocessor_config.json", "tokenizer.json (or vocab.json and merges.txt)",
      "model.safetensors (or model.safetensors.index.json and its shards, "
        + "or pytorch_model.bin, or pytorch_model.bin.index.json and its shards)"])
    #expect(throws: expected) { try resolver.resolve(.defaultModel) }
    #expect(expected.description.contains("HF_HUB_OFFLINE"))
  }

  @Test func offlineWithAPartialSnapshotListsOnlyTheMissingFiles() throws {
    let cache = try TestCheckpoint.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: cache) }
    let hub = try TestCheckpoint.hub(repo: repo, weights: TestCheckpoint.bytes(count: 300_000, seed: 5))
    hub.cutDownloads(of: "model.safetensors", after: 1000, times: 1000)
    let configuration = TestCheckpoint.configuration(cache: cache, endpoint: hub.endpoint)
    #expect {
      try ModelResolver(files: TestCheckpoint.files, configuration: configuration).resolve(.hub(repo: repo, revision: "main"))
    } throws: { error in
      guard case HubError.transport = error else { return false }
      return true
    }
    var offline = configuration
    offline.offline = true
    #expect(throws: HubError.offlineAndMissing(repo: repo, revision: "main", files: [
      "model.safetensors (or model.safetensors.index.json and its shards, "
        + "or pytorch_model.bin, or pytorch_model.bin.index.json and its shards)"])) {
      try ModelResolver(files: TestCheckpoint.files, configuration: offline).resolve(.hub(repo: repo, revision: "main"))
    }
  }

  @Test func aDroppedConnectionIsResumedWithinTheRun() throws {
    let cache = try TestCheckpoint.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: cache) }
    let weights = TestCheckpoint.bytes(count: 1 << 20, seed: 11)
    let hub = try TestCheckpoint.hub(repo: repo, weights: weights)
    hub.cutDownloads(of: "model.safetensors", after: 100_000)
    let resolver = ModelResolver(files: TestCheckpoint.files, configuration: TestCheckpoint.configuration(cache: cache, endpoint: hub.endpoint))

    let snapshot = try resolver.resolve(.hub(repo: repo, revision: "main"))

    #expect(try TestCheckpoint.contents(snapshot.appendingPathComponent("model.safetensors")) == weights)
    #expect(hub.cdn.requests.compactMap { $0.headers["range"] } == ["bytes=100000-"])
  }

  @Test func anInterruptedDownloadIsNotMistakenForCompleteAndResumes() throws {
    let cache = try TestCheckpoint.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: cache) }
    let weights = TestCheckpoint.bytes(count: 3 << 20, seed: 6)
    let hub = try TestCheckpoint.hub(repo: repo, weights: weights)
    // Every attempt of the first run is cut, so it gives up after its resumes (as a killed process would stop).
    let cut = 256 << 10
    let attempts = 1 + HubDownload.resumesPerDownload
    hub.cutDownloads(of: "model.safetensors", after: cut, times: attempts)
    let resolver = ModelResolver(files: TestCheckpoint.files, configuration: TestCheckpoint.configuration(cache: cache, endpoint: hub.endpoint))
    let etag = try #require(hub.file("model.safetensors")?.etag)
    let repoFolder = cache.appendingPathComponent("models--openai--clip-test")
    let partial = repoFolder.appendingPathComponent("blobs/\(etag).incomplete")
    let snapshotWeights = repoFolder.appendingPathComponent("snapshots/\(hub.commit)/model.safetensors")

    // The message is the platform's (curl's "transfer closed with N bytes remaining" on Linux).
    #expect {
      try resolver.resolve(.hub(repo: repo, revision: "main"))
    } throws: { error in
      guard case HubError.transport(let url, _) = error else { return false }
      return url == "\(hub.endpoint.absoluteString)/\(repo)/resolve/\(hub.commit)/model.safetensors"
    }
    // Nothing that looks complete: no blob under its final name, no snapshot link; the partial bytes are kept.
    #expect(!FileManager.default.fileExists(atPath: repoFolder.appendingPathComponent("blobs/\(etag)").path))
    #expect(!FileManager.default.fileExists(atPath: snapshotWeights.path))
    let kept = try TestCheckpoint.contents(partial)
    #expect(kept.count == attempts * cut)
    #expect(kept == Array(weights.prefix(kept.count)))

    let reports = ReportLog()
    let snapshot = try resolver.resolve(.hub(repo: repo, revision: "main")) { reports.append($0) }

    #expect(try TestCheckpoint.contents(snapshot.appendingPathComponent("model.safetensors")) == weights)
    #expect(!FileManager.default.fileExists(atPath: partial.path))
    let ranges = hub.cdn.requests.compactMap { $0.headers["range"] }
    #expect(ranges == (1...attempts).map { "bytes=\($0 * cut)-" })
    let weightReports = reports.all.filter { $0.file == "model.safetensors" }
    #expect(weightReports.first?.bytesDone == Int64(kept.count))
    #expect(weightReports.last == DownloadProgress(file: "model.safetensors", bytesDone: Int64(weights.count),
                                                   bytesTotal: Int64(weights.count)))
    #expect(zip(weightReports, weightReports.dropFirst()).allSatisfy { $0.bytesDone < $1.bytesDone })
    #expect(weightReports.count >= 3)
  }

  @Test func concurrentResolversShareOneDownloadPerBlob() throws {
    let cache = try TestCheckpoint.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: cache) }
    let weights = TestCheckpoint.bytes(count: 2 << 20, seed: 10)
    let hub = try TestCheckpoint.hub(repo: repo, weights: weights)
    let resolver = ModelResolver(files: TestCheckpoint.files, configuration: TestCheckpoint.configuration(cache: cache, endpoint: hub.endpoint))
    let results = ResultLog()
    DispatchQueue.concurrentPerform(iterations: 3) { _ in
      results.append(Result { try resolver.resolve(.hub(repo: repo, revision: "main")) })
    }
    let snapshots = try results.all.map { try $0.get() }
    #expect(Set(snapshots.map(\.path)).count == 1)
    #expect(try TestCheckpoint.contents(snapshots[0].appendingPathComponent("model.safetensors")) == weights)
    let blobs = try FileManager.default.contentsOfDirectory(
      atPath: cache.appendingPathComponent("models--openai--clip-test/blobs").path)
    #expect(!blobs.contains { $0.hasSuffix(".incomplete") })
  }

  @Test func aShardedCheckpointDownloadsTheIndexAndEveryShard() throws {
    let cache = try TestCheckpoint.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: cache) }
    let hub = try FakeHub(repo: repo)
    for (name, text) in TestCheckpoint.smallFiles { hub.add(name, text) }
    hub.add("model.safetensors.index.json", """
      {"metadata": {"total_size": 300}, "weight_map": {"a": "model-00001-of-00002.safetensors",
       "b": "model-00002-of-00002.safetensors", "c": "model-00001-of-00002.safetensors"}}
      """)
    hub.add("model-00001-of-00002.safetensors", TestCheckpoint.bytes(count: 100, seed: 7))
    hub.add("model-00002-of-00002.safetensors", TestCheckpoint.bytes(count: 200, seed: 8))
    let resolver = ModelResolver(files: TestCheckpoint.files, configuration: TestCheckpoint.configuration(cache: cache, endpoint: hub.endpoint))

    let snapshot = try resolver.resolve(.hub(repo: repo, revision: "main"))

    for shard in ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"] {
      #expect(try TestCheckpoint.contents(snapshot.appendingPathComponent(shard)) == hub.file(shard)?.bytes)
    }
    #expect(FileManager.default.fileExists(atPath: cache.appendingPathComponent(
      "models--openai--clip-test/.no_exist/\(hub.commit)/model.safetensors").path))
  }

  @Test func aRenamedRepoIsFollowedOnTheHubAndCachedUnderTheNameAskedFor() throws {
    let cache = try TestCheckpoint.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: cache) }
    let hub = try TestCheckpoint.hub(repo: repo, weights: TestCheckpoint.bytes(count: 1000, seed: 12))
    hub.rename(from: "old-org/clip-old")
    let resolver = ModelResolver(files: TestCheckpoint.files, configuration: TestCheckpoint.configuration(
      cache: cache, endpoint: hub.endpoint, token: "hf_secret"))

    let snapshot = try resolver.resolve(.hub(repo: "old-org/clip-old", revision: "main"))

    #expect(snapshot.path.hasSuffix("models--old-org--clip-old/snapshots/\(hub.commit)"))
    #expect(try TestCheckpoint.contents(snapshot.appendingPathComponent("model.safetensors"))
      == hub.file("model.safetensors")?.bytes)
    // The same-origin redirect kept the token; the CDN (another origin) never saw it.
    #expect(hub.hub.requests.allSatisfy { $0.headers["authorization"] == "Bearer hf_secret" })
    #expect(hub.cdn.requests.allSatisfy { $0.headers["authorization"] == nil })
  }

  @Test func originsCompareLikeHuggingfaceHub() {
    let origin = { HubHTTPClient.origin(URL(string: $0)!) }
    #expect(origin("https://huggingface.co/a/b") == origin("https://HuggingFace.co:443/c"))
    #expect(origin("https://huggingface.co") != origin("https://cdn-lfs.huggingface.co"))
    #expect(origin("http://127.0.0.1:8000") != origin("http://127.0.0.1:8001"))
    #expect(origin("http://huggingface.co") != origin("https://huggingface.co"))
  }

  @Test func aRepoWithOnlyPickledWeightsDownloadsThem() throws {
    let cache = try TestCheckpoint.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: cache) }
    let hub = try FakeHub(repo: repo)
    for (name, text) in TestCheckpoint.smallFiles { hub.add(name, text) }
    let pickle = TestCheckpoint.bytes(count: 100, seed: 9)
    hub.add("pytorch_model.bin", pickle)
    let resolver = ModelResolver(files: TestCheckpoint.files, configuration: TestCheckpoint.configuration(cache: cache, endpoint: hub.endpoint))
    let snapshot = try resolver.resolve(.hub(repo: repo, revision: "main"))
    // Downloaded as it is; the loader (TorchCheckpoint) reads it, the Hub never parses it.
    #expect(try TestCheckpoint.contents(snapshot.appendingPathComponent("pytorch_model.bin")) == pickle)
    #expect(!FileManager.default.fileExists(atPath: snapshot.appendingPathComponent("model.safetensors").path))
  }

  @Test func aRepoWithShardedPickledWeightsDownloadsTheShards() throws {
    let cache = try TestCheckpoint.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: cache) }
    let hub = try FakeHub(repo: repo)
    for (name, text) in TestCheckpoint.smallFiles { hub.add(name, text) }
    let shards = ["pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin"]
    hub.add("pytorch_model.bin.index.json", "{\"weight_map\": {\"a\": \"\(shards[0])\", \"b\": \"\(shards[1])\"}}")
    for (n, shard) in shards.enumerated() { hub.add(shard, TestCheckpoint.bytes(count: 64, seed: UInt64(20 + n))) }
    let resolver = ModelResolver(files: TestCheckpoint.files, configuration: TestCheckpoint.configuration(cache: cache, endpoint: hub.endpoint))
    let snapshot = try resolver.resolve(.hub(repo: repo, revision: "main"))
    for shard in shards {
      #expect(FileManager.default.fileExists(atPath: snapshot.appendingPathComponent(shard).path), "\(shard)")
    }
  }

  @Test func hubErrorsAreNamed() throws {
    let cache = try TestCheckpoint.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: cache) }
    let hub = try TestCheckpoint.hub(repo: repo, weights: [1, 2, 3])
    let resolver = ModelResolver(files: TestCheckpoint.files, configuration: TestCheckpoint.configuration(cache: cache, endpoint: hub.endpoint))
    #expect(throws: HubError.repoNotFound(repo: "nobody/nothing")) {
      try resolver.resolve(.hub(repo: "nobody/nothing", revision: "main"))
    }
    #expect(throws: HubError.revisionNotFound(repo: repo, revision: "v9")) {
      try resolver.resolve(.hub(repo: repo, revision: "v9"))
    }
    let closed = ModelResolver(files: TestCheckpoint.files, configuration: TestCheckpoint.configuration(
      cache: cache, endpoint: URL(string: "http://127.0.0.1:9")!))
    #expect {
      try closed.resolve(.hub(repo: repo, revision: "main"))
    } throws: { error in
      error as? HubError == .transport(url: "http://127.0.0.1:9/\(repo)/resolve/main/config.json",
                                       message: "connection refused")
    }
  }

  @Test func aServerWithoutETagsIsRefusedRatherThanCachedUnderAGuessedName() throws {
    let cache = try TestCheckpoint.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: cache) }
    let hub = try TestCheckpoint.hub(repo: repo, weights: [1, 2, 3])
    hub.omitETags()
    let resolver = ModelResolver(files: TestCheckpoint.files, configuration: TestCheckpoint.configuration(cache: cache, endpoint: hub.endpoint))
    #expect(throws: HubError.missingHeader(
      name: "ETag", url: "\(hub.endpoint.absoluteString)/\(repo)/resolve/main/config.json")) {
      try resolver.resolve(.hub(repo: repo, revision: "main"))
    }
    let blobs = cache.appendingPathComponent("models--openai--clip-test/blobs")
    #expect(!FileManager.default.fileExists(atPath: blobs.path))
  }
}

/// Progress reports collected from the download's delegate queue.
final class ReportLog: @unchecked Sendable {
  private let lock = NSLock()
  private var reports: [DownloadProgress] = []
  func append(_ report: DownloadProgress) { lock.withLock { reports.append(report) } }
  var all: [DownloadProgress] { lock.withLock { reports } }
}

/// Results collected from concurrent resolutions.
final class ResultLog: @unchecked Sendable {
  private let lock = NSLock()
  private var results: [Result<URL, Error>] = []
  func append(_ result: Result<URL, Error>) { lock.withLock { results.append(result) } }
  var all: [Result<URL, Error>] { lock.withLock { results } }
}
