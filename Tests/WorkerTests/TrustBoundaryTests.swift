import Foundation
import JSONRPC
import Testing

@testable import Worker

/// Issue 19: what the worker may read (`--allow-path`, `--no-paths`), what its errors tell, per-request limits,
/// a failed load reported whatever the timing, `check`. Each case against the real executable over pipes.
@Suite(.timeLimit(.minutes(8))) struct TrustBoundaryTests {
  static let image = WorkerProcess.fixtures.appendingPathComponent("images/noise-23x51.png")

  /// A temporary tree: `allowed/` (holding a copy of a PNG, a symlink out, a symlink to a file inside), a
  /// sibling `outside/` with a PNG, and `link-to-allowed`, a symlink to `allowed` (a root that is a symlink).
  struct Tree {
    let root: URL
    var allowed: URL { root.appendingPathComponent("allowed") }
    var outside: URL { root.appendingPathComponent("outside") }
    var linkedRoot: URL { root.appendingPathComponent("link-to-allowed") }

    init() throws {
      let manager = FileManager.default
      let base = manager.temporaryDirectory.appendingPathComponent("trust-\(UUID().uuidString)")
      root = URL(fileURLWithPath: base.path).resolvingSymlinksInPath()
      try manager.createDirectory(at: root.appendingPathComponent("allowed/sub"), withIntermediateDirectories: true)
      try manager.createDirectory(at: root.appendingPathComponent("outside"), withIntermediateDirectories: true)
      try manager.copyItem(at: TrustBoundaryTests.image, to: root.appendingPathComponent("allowed/sub/in.png"))
      try manager.copyItem(at: TrustBoundaryTests.image, to: root.appendingPathComponent("outside/out.png"))
      try manager.createSymbolicLink(
        atPath: root.appendingPathComponent("allowed/escape.png").path, withDestinationPath: outside.path + "/out.png")
      try manager.createSymbolicLink(
        atPath: root.appendingPathComponent("allowed/inner.png").path, withDestinationPath: "sub/in.png")
      try manager.createSymbolicLink(atPath: linkedRoot.path, withDestinationPath: allowed.path)
      try Data("root:x:0:0:root:/root:/bin/bash\n".utf8).write(to: root.appendingPathComponent("allowed/passwd"))
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
  }

  private func start(_ extra: [String]) throws -> WorkerProcess {
    try WorkerProcess(arguments: ["--model", WorkerProcess.tinyCLIP.path, "--log-level", "error"] + extra)
  }

  private func embed(_ worker: WorkerProcess, _ id: String, _ path: String) async throws -> JSONValue {
    try await worker.call(.string(id), "encodeImage", ["images": [["path": .string(path)]]])
  }

  @Test func allowedPathsRefuseEscapesByCodeAndNameThePathAsGiven() async throws {
    let tree = try Tree()
    defer { tree.remove() }
    let worker = try start(["--allow-path", tree.linkedRoot.path])
    let refused = [
      tree.allowed.path + "/escape.png",  // a symlink out
      tree.allowed.path + "/../outside/out.png",  // `..`
      tree.outside.path + "/out.png",  // absolute, outside
      tree.outside.path + "/missing.png",  // outside and missing: refused, not "no such file"
      "/proc/self/environ", "/dev/zero", "/etc/passwd",
      "relative/elsewhere.png",  // relative to the working directory, outside
    ]
    for (index, path) in refused.enumerated() {
      let answer = try await embed(worker, "r\(index)", path)
      #expect(answer.errorCode == -32005, "\(path): \(answer)")
      #expect(answer["error"]?["data"]?["input"] == ["path": .string(path)], "\(path)")
      let message = answer["error"]?["message"]?.stringValue ?? ""
      #expect(message.contains(path) && !message.contains("out.png") || path.hasSuffix("out.png"), "\(message)")
      #expect(!answer.description.contains("root:x"), "\(path)")
    }
    let escape = try await embed(worker, "escape", tree.allowed.path + "/escape.png")
    #expect(escape["error"]?["message"]?.stringValue?.contains("outside/") == false, "names the target: \(escape)")
    for (index, path) in [
      tree.allowed.path + "/sub/in.png", tree.linkedRoot.path + "/sub/in.png", tree.allowed.path + "/inner.png",
      tree.allowed.path + "/sub/../sub/in.png",
    ].enumerated() {
      let answer = try await embed(worker, "ok\(index)", path)
      #expect(answer["result"]?["dim"] == 24, "\(path): \(answer)")
    }
    let missing = try await embed(worker, "missing", tree.allowed.path + "/nope.png")
    #expect(missing.errorCode == -32001, "\(missing)")
    // A non-image inside the roots: the format problem, not its bytes.
    let passwd = try await embed(worker, "passwd", tree.allowed.path + "/passwd")
    #expect(passwd.errorCode == -32001)
    #expect(passwd["error"]?["data"]?["reason"] == "cannot decode image: not a PNG, JPEG, GIF or BMP file")
    let initialize = try await worker.call("init", "initialize")
    #expect(initialize.result?["inputs"] == ["paths": "roots", "roots": [.string(tree.linkedRoot.path)]])
    worker.closeInput()
    #expect(try await worker.exitCode() == 0)
  }

  /// A path that is swapped for a symlink out between the check and the open: the opened file is checked,
  /// so whichever the worker opens, it never answers with the outside file's embedding.
  @Test func pathSwappedForASymlinkIsCheckedOnTheOpenedFile() async throws {
    let tree = try Tree()
    defer { tree.remove() }
    // An outside file that differs from the inside one, so that its embedding would be told apart.
    let outsideImage = WorkerProcess.fixtures.appendingPathComponent("images/gradient-64x64.png")
    try FileManager.default.removeItem(at: tree.outside.appendingPathComponent("out.png"))
    try FileManager.default.copyItem(at: outsideImage, to: tree.outside.appendingPathComponent("out.png"))
    let worker = try start(["--allow-path", tree.allowed.path, "--cache-mb", "0"])
    let inside = try await embed(worker, "inside", tree.allowed.path + "/sub/in.png")
    let insideVector = try #require(inside["result"]?["embeddings"]?[0])
    let swapping = tree.allowed.appendingPathComponent("swap.png")
    let stop = Locked(false)
    let swapper = Thread {
      let manager = FileManager.default
      while !stop.withLock({ $0 }) {
        try? manager.removeItem(at: swapping)
        try? manager.copyItem(at: TrustBoundaryTests.image, to: swapping)
        try? manager.removeItem(at: swapping)
        try? manager.createSymbolicLink(atPath: swapping.path, withDestinationPath: tree.outside.path + "/out.png")
      }
    }
    swapper.start()
    defer { stop.withLock { $0 = true } }
    for round in 0..<200 {
      let answer = try await embed(worker, "swap\(round)", swapping.path)
      if let vector = answer["result"]?["embeddings"]?[0] {
        #expect(vector == insideVector, "round \(round): the outside file was read")
      } else {
        #expect([-32005, -32001].contains(answer.errorCode ?? 0), "\(answer)")
      }
    }
    worker.closeInput()
    #expect(try await worker.exitCode() == 0)
  }

  @Test func noPathsRefusesEveryPathAndTakesBytes() async throws {
    let worker = try start(["--no-paths"])
    let answer = try await embed(worker, "p", Self.image.path)
    #expect(answer.errorCode == -32005)
    #expect(answer["error"]?["data"]?["input"] == ["path": .string(Self.image.path)])
    let bytes = try Data(contentsOf: Self.image).base64EncodedString()
    let inline = try await worker.call("d", "encodeImage", ["images": [["data": .string(bytes)]]])
    #expect(inline["result"]?["dim"] == 24)
    let uri = try await worker.call("u", "encodeImage", ["images": [["data": .string("data:image/png;base64," + bytes)]]])
    #expect(uri["result"]?["embeddings"] == inline["result"]?["embeddings"])
    #expect(try await worker.call("i", "initialize").result?["inputs"] == ["paths": "none"])
    worker.closeInput()
    #expect(try await worker.exitCode() == 0)
  }

  @Test func invalidBase64IsInvalidParamsWithData() async throws {
    let worker = try start([])
    let bytes = try Data(contentsOf: Self.image).base64EncodedString()
    let answer = try await worker.call(
      1, "encodeImage", ["images": [["data": .string(bytes)], ["data": "not base64!"]]])
    #expect(answer.errorCode == -32602)
    #expect(answer["error"]?["data"]?["index"] == 1)
    #expect(answer["error"]?["data"]?["input"] == ["dataLength": 11])
    #expect(answer["error"]?["data"]?["reason"] == "data is not valid base64")
    let uri = try await worker.call(2, "classify", ["image": ["data": "data:image/png,abc"], "labels": ["a"]])
    #expect(uri.errorCode == -32602)
    #expect(uri["error"]?["data"]?["param"] == "image")
    worker.closeInput()
    #expect(try await worker.exitCode() == 0)
  }

  @Test func perRequestLimitsAreReportedAndEnforcedBeforeWork() async throws {
    let worker = try start([
      "--max-request-images", "2", "--max-request-texts", "3", "--max-request-text-kb", "1",
      "--max-request-pixels", "2000",
    ])
    let limits = try await worker.call(0, "initialize").result?["limits"]
    #expect(limits?["maxRequestImages"] == 2 && limits?["maxRequestTexts"] == 3)
    #expect(limits?["maxRequestTextBytes"] == 1024 && limits?["maxRequestPixels"] == 2000)
    let path: JSONValue = ["path": .string(Self.image.path)]
    let cases: [(String, JSONValue, String)] = [
      ("encodeImage", ["images": [path, path, path]], "maxRequestImages"),
      ("encodeText", ["texts": ["a", "b", "c", "d"]], "maxRequestTexts"),
      ("encodeText", ["texts": [.string(String(repeating: "x", count: 1025))]], "maxRequestTextBytes"),
      ("classify", ["image": path, "labels": ["a", "b", "c", "d"]], "maxRequestTexts"),
      // 23×51 = 1173 pixels each: one passes, two different ones are 2373 (the same file twice is one image).
      ("encodeImage", [
        "images": [path, ["path": .string(WorkerProcess.fixtures.appendingPathComponent("images/noise-40x30.png").path)]]
      ], "maxRequestPixels"),
    ]
    for (index, (method, params, limit)) in cases.enumerated() {
      let answer = try await worker.call(JSONValue(index + 1), method, params)
      #expect(answer.errorCode == -32602, "\(limit): \(answer)")
      #expect(answer["error"]?["data"]?["limit"] == .string(limit), "\(answer)")
    }
    #expect(try await worker.call(9, "encodeImage", ["images": [path]])["result"]?["dim"] == 24)
    worker.closeInput()
    #expect(try await worker.exitCode() == 0)
  }

  /// A checkpoint directory the worker cannot load.
  private func unloadable() throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("unloadable-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try Data("{}".utf8).write(to: directory.appendingPathComponent("config.json"))
    return directory
  }

  /// stdin at its end at once (`< /dev/null`), 50 times: exit 1 and the reason on stderr every time.
  @Test func failedLoadWithNoInputExitsOneWithTheReason() async throws {
    let model = try unloadable()
    defer { try? FileManager.default.removeItem(at: model) }
    for round in 0..<50 {
      let (code, _, errors) = try await WorkerProcess.run(["--model", model.path, "--log-level", "error"])
      #expect(code == 1, "round \(round)")
      #expect(errors.contains("cannot load model"), "round \(round): \(errors)")
    }
  }

  /// A request already piped when the load fails (`echo … |`), 50 times: answered -32002, then exit 1; also
  /// when the client keeps its end open (the reader stops at the first pause after the failure).
  @Test func failedLoadAnswersWhatWasPipedAndExitsOne() async throws {
    let model = try unloadable()
    defer { try? FileManager.default.removeItem(at: model) }
    for round in 0..<50 {
      let worker = try WorkerProcess(arguments: ["--model", model.path, "--log-level", "error"])
      worker.sendRequest(1, "encodeText", ["texts": ["a"]])
      worker.sendRequest(2, "initialize")
      if round % 2 == 0 { worker.closeInput() }
      #expect(try await worker.exitCode(seconds: 30) == 1, "round \(round)")
      #expect(worker.messages.map(\.errorCode) == [-32002, -32002] || Set(worker.messages.map(\.errorCode)) == [-32002],
        "round \(round): \(worker.messages)")
      #expect(worker.messages.count == 2, "round \(round): \(worker.messages)")
      worker.closeInput()
    }
  }

  @Test func checkLoadsEmbedsAndReports() async throws {
    let (code, output, _) = try await WorkerProcess.run(["check", "--model", WorkerProcess.tinyCLIP.path])
    #expect(code == 0)
    for text in ["family     clip", "embedding 24", "dtype float32", "precision f32", "ok ("] {
      #expect(output.contains(text), "\(output)")
    }
    let (flagCode, _, _) = try await WorkerProcess.run(["--check", "--model", WorkerProcess.tinyCLIP.path])
    #expect(flagCode == 0)
    let model = try unloadable()
    defer { try? FileManager.default.removeItem(at: model) }
    let (failed, _, errors) = try await WorkerProcess.run(["check", "--model", model.path])
    #expect(failed == 1)
    #expect(errors.contains("check: failed"), "\(errors)")
  }

  @Test(arguments: [
    (["--no-paths", "--allow-path", "/tmp"], "--no-paths and --allow-path exclude each other"),
    (["--allow-path", "/no/such/root"], "--allow-path /no/such/root: no such directory"),
    (["--allow-path", "/dev/null"], "--allow-path /dev/null: not a directory"),
  ])
  func badPathOptionsExitWithTwo(arguments: [String], message: String) async throws {
    let (code, _, errors) = try await WorkerProcess.run(["--model", WorkerProcess.tinyCLIP.path] + arguments)
    #expect(code == 2)
    #expect(errors.contains(message), "\(errors)")
  }
}

/// Issue 20: a mistyped relative `--model` is read as a Hub id; the failure says it is neither.
@Suite(.timeLimit(.minutes(2))) struct MistypedModelTests {
  @Test func relativeModelThatIsNeitherSaysBoth() async throws {
    let cache = FileManager.default.temporaryDirectory.appendingPathComponent("empty-hub-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: cache) }
    let (code, _, errors) = try await WorkerProcess.run(
      ["--model", "models/b3"], environment: ["HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": cache.path])
    #expect(code == 1)
    #expect(errors.contains("cannot load model models/b3"), "\(errors)")
    #expect(errors.contains("nor is there a directory models/b3 in the working directory"), "\(errors)")
  }
}
