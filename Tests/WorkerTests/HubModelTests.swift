import Foundation
import HubTestSupport
import JSONRPC
import Testing

/// `--model org/name`: the executable resolves Hub ids through the Hub cache and a loopback Hub stand-in
/// (`FakeHub`, serving the tiny checkpoint's files with the Hub's headers), as huggingface_hub would.
@Suite(.timeLimit(.minutes(5))) struct HubModelTests {
  static let repo = "org/tiny"

  /// A scratch directory holding the Hub cache (`hub/`) and HF_HOME; removed by the caller.
  private static func scratch() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("HubModelTests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// A stand-in Hub serving every file of the tiny checkpoint as `repo`.
  private static func hub(repo: String = repo) throws -> FakeHub {
    let hub = try FakeHub(repo: repo)
    for name in try FileManager.default.contentsOfDirectory(atPath: WorkerProcess.tinyCLIP.path) {
      hub.add(name, [UInt8](try Data(contentsOf: WorkerProcess.tinyCLIP.appendingPathComponent(name))))
    }
    return hub
  }

  /// The environment huggingface_hub reads, pointing at `scratch` and `endpoint`; nothing inherited.
  private static func environment(scratch: URL, endpoint: URL?, offline: Bool) -> [String: String] {
    [
      "HF_HOME": scratch.path, "HF_HUB_CACHE": scratch.appendingPathComponent("hub").path,
      "HF_ENDPOINT": endpoint?.absoluteString ?? "http://127.0.0.1:9", "HF_TOKEN": "",
      "HF_HUB_OFFLINE": offline ? "1" : "0", "TRANSFORMERS_OFFLINE": "0",
    ]
  }

  private let image = WorkerProcess.fixtures.appendingPathComponent("images/noise-40x30.png").path

  private func classify(model: String, environment: [String: String]) async throws -> (Int32, String, String) {
    try await WorkerProcess.run(
      ["classify", image, "--labels", "cat,dog", "--json", "-v", "--model", model], environment: environment)
  }

  @Test func firstRunDownloadsSecondRunWorksOffline() async throws {
    let scratch = try Self.scratch()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let hub = try Self.hub()
    let (localCode, local, _) = try await classify(
      model: WorkerProcess.tinyCLIP.path, environment: Self.environment(scratch: scratch, endpoint: nil, offline: true))
    #expect(localCode == 0)

    let (code, output, errors) = try await classify(
      model: Self.repo, environment: Self.environment(scratch: scratch, endpoint: hub.endpoint, offline: false))
    #expect(code == 0, "stderr: \(errors)")
    #expect(output == local)
    #expect(errors.contains("resolving model org/tiny"), "stderr: \(errors)")
    // stderr is a pipe, not a terminal: progress comes as log lines, each file's last one complete.
    #expect(errors.contains("clip-worker: info: downloading model.safetensors 100% ["), "stderr: \(errors)")
    // The cache layout huggingface_hub writes: refs/main names the commit, the snapshot links into blobs/.
    let folder = scratch.appendingPathComponent("hub/models--org--tiny")
    #expect(try String(contentsOf: folder.appendingPathComponent("refs/main"), encoding: .utf8) == hub.commit)
    let weights = folder.appendingPathComponent("snapshots/\(hub.commit)/model.safetensors")
    let etag = try #require(hub.file("model.safetensors")?.etag)
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: weights.path) == "../../blobs/\(etag)")

    hub.hub.stop()
    hub.cdn.stop()
    let requests = hub.requests.count
    let (offlineCode, offline, offlineErrors) = try await classify(
      model: Self.repo, environment: Self.environment(scratch: scratch, endpoint: hub.endpoint, offline: true))
    #expect(offlineCode == 0, "stderr: \(offlineErrors)")
    #expect(offline == local)
    #expect(hub.requests.count == requests)
  }

  @Test func offlineWithAMissingModelNamesTheMissingFiles() async throws {
    let scratch = try Self.scratch()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let (code, output, errors) = try await classify(
      model: "org/absent", environment: Self.environment(scratch: scratch, endpoint: nil, offline: true))
    #expect(code == 1)
    #expect(output.isEmpty)
    for text in ["offline mode (HF_HUB_OFFLINE) and org/absent@main is not in the cache", "config.json",
                 "preprocessor_config.json", "model.safetensors"] {
      #expect(errors.contains(text), "stderr: \(errors)")
    }
  }

  @Test func withoutModelTheDefaultHubModelIsUsed() async throws {
    let scratch = try Self.scratch()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let (code, _, errors) = try await WorkerProcess.run(
      ["classify", image, "--labels", "a,b"], environment: Self.environment(scratch: scratch, endpoint: nil, offline: true))
    #expect(code == 1)
    #expect(errors.contains("openai/clip-vit-base-patch32@main is not in the cache"), "stderr: \(errors)")
  }

  @Test func anInterruptedDownloadIsNotTakenForAComplete() async throws {
    let scratch = try Self.scratch()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let hub = try Self.hub()
    // Every transfer of the weights stops after 1000 bytes, so the download (with its retries) fails.
    hub.cutDownloads(of: "model.safetensors", after: 1000, times: 1000)
    let (code, _, errors) = try await classify(
      model: Self.repo, environment: Self.environment(scratch: scratch, endpoint: hub.endpoint, offline: false))
    #expect(code == 1)
    #expect(errors.contains("model.safetensors"), "stderr: \(errors)")

    let (offlineCode, _, offlineErrors) = try await classify(
      model: Self.repo, environment: Self.environment(scratch: scratch, endpoint: hub.endpoint, offline: true))
    #expect(offlineCode == 1)
    #expect(offlineErrors.contains(
      "org/tiny@main is not in the cache; missing: model.safetensors (or model.safetensors.index.json and its shards, "
        + "or pytorch_model.bin, or pytorch_model.bin.index.json and its shards)"),
      "stderr: \(offlineErrors)")
  }

  /// A cache written by hand the way huggingface_hub lays it out (blobs named by hash, relative symlinks from
  /// the snapshot, refs/main holding the commit), as `transformers` leaves it on a machine: found offline.
  @Test func aCacheLaidOutByHuggingFaceHubIsFound() async throws {
    let scratch = try Self.scratch()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let commit = "f00dfacef00dfacef00dfacef00dfacef00dface"
    let folder = scratch.appendingPathComponent("hub/models--acme--tiny-clip")
    let snapshot = folder.appendingPathComponent("snapshots/\(commit)")
    let files = FileManager.default
    try files.createDirectory(at: folder.appendingPathComponent("blobs"), withIntermediateDirectories: true)
    try files.createDirectory(at: snapshot, withIntermediateDirectories: true)
    try files.createDirectory(at: folder.appendingPathComponent("refs"), withIntermediateDirectories: true)
    try Data(commit.utf8).write(to: folder.appendingPathComponent("refs/main"))
    for name in try files.contentsOfDirectory(atPath: WorkerProcess.tinyCLIP.path) {
      let bytes = [UInt8](try Data(contentsOf: WorkerProcess.tinyCLIP.appendingPathComponent(name)))
      let blob = FakeHub.digest(bytes, name: name, hexDigits: name.hasSuffix(".safetensors") ? 64 : 40)
      try Data(bytes).write(to: folder.appendingPathComponent("blobs/\(blob)"))
      try files.createSymbolicLink(
        atPath: snapshot.appendingPathComponent(name).path, withDestinationPath: "../../blobs/\(blob)")
    }
    let environment = Self.environment(scratch: scratch, endpoint: nil, offline: true)
    let (code, output, errors) = try await classify(model: "acme/tiny-clip", environment: environment)
    #expect(code == 0, "stderr: \(errors)")
    let (_, local, _) = try await classify(model: WorkerProcess.tinyCLIP.path, environment: environment)
    #expect(output == local)
    // By commit too, as `from_pretrained(..., revision=<hash>)` asks.
    let (byCommit, _, _) = try await classify(model: "acme/tiny-clip@\(commit)", environment: environment)
    #expect(byCommit == 0)
  }

  @Test func serverSendsProgressBeforeInitializesResult() async throws {
    let scratch = try Self.scratch()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let hub = try Self.hub()
    let worker = try WorkerProcess(
      arguments: ["--model", Self.repo],
      environment: Self.environment(scratch: scratch, endpoint: hub.endpoint, offline: false))
    worker.sendRequest(1, "initialize", ["capabilities": ["progress": true]])
    let result = try #require(try await worker.response(id: 1).result)
    #expect(result["model"]?["id"] == "org/tiny")
    #expect(result["model"]?["path"] == .string(
      scratch.appendingPathComponent("hub/models--org--tiny/snapshots/\(hub.commit)").path))
    let messages = worker.messages
    let resultIndex = try #require(messages.firstIndex { $0["id"] == 1 })
    let notifications = messages.filter { $0["method"] == "$/progress" }
    #expect(messages.prefix(resultIndex).filter { $0["method"] == "$/progress" }.count == notifications.count)
    // Every file downloaded is reported, and ends complete.
    let weightsSize = try #require(hub.file("model.safetensors")?.bytes.count)
    let last = try #require(notifications.last { $0["params"]?["file"] == "model.safetensors" })
    #expect(last["params"] == [
      "token": "download", "file": "model.safetensors", "bytesDone": JSONValue(weightsSize),
      "bytesTotal": JSONValue(weightsSize),
    ])
    let files = Set(notifications.compactMap { $0["params"]?["file"]?.stringValue })
    let expectedFiles: Set = [
      "config.json", "preprocessor_config.json", "vocab.json", "merges.txt", "model.safetensors",
    ]
    #expect(files.isSuperset(of: expectedFiles), "\(files)")
    worker.closeInput()
    #expect(try await worker.exitCode() == 0)
  }

  /// The Hub answers (after a delay, so that `initialize` is surely waiting) that the repository does not exist:
  /// the waiting request fails with modelUnavailable carrying the Hub error, and the process exits with 1.
  @Test func serverWithAnUnresolvableModelFailsRequestsAndExitsWithOne() async throws {
    let scratch = try Self.scratch()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let hub = try LoopbackServer { _ in
      Thread.sleep(forTimeInterval: 0.5)
      return .init(status: 401, headers: [("X-Error-Code", "RepoNotFound")])
    }
    defer { hub.stop() }
    let worker = try WorkerProcess(
      arguments: ["--model", "org/absent"],
      environment: Self.environment(scratch: scratch, endpoint: hub.baseURL, offline: false))
    let response = try await worker.call(1, "initialize", ["capabilities": ["progress": true]])
    #expect(response.errorCode == -32002)
    let reason = "repository org/absent was not found on the Hub (if it is private or gated, set HF_TOKEN)"
    #expect(response["error"]?["message"] == .string("Model unavailable: \(reason)"))
    #expect(try await worker.exitCode() == 1)
    #expect(worker.standardError.contains("cannot load model org/absent: \(reason)"), "\(worker.standardError)")
    #expect(!worker.messages.contains { $0["method"] == "$/progress" })
  }
}
