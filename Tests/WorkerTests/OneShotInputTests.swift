import Foundation
import JSONRPC
import Testing

/// Issue 20, at the terminal: partial failures of `embed` and `classify`, folders, stdin, labels with commas,
/// and the message when no input is given, all through the real executable.
@Suite(.timeLimit(.minutes(5))) struct OneShotInputTests {
  private let model = WorkerProcess.tinyCLIP.path
  private let environment = ["CLIP_WORKER_STORE": "none"]

  private func image(_ name: String) -> String {
    WorkerProcess.fixtures.appendingPathComponent("images/\(name)").path
  }

  private func run(_ arguments: [String], input: [UInt8]? = nil) async throws -> (Int32, String, String) {
    guard let input else { return try await WorkerProcess.run(arguments, environment: environment) }
    let worker = try WorkerProcess(arguments: arguments, environment: environment)
    worker.send(bytes: input)
    worker.closeInput()
    let code = try await worker.exitCode()
    return (code, worker.lines.joined(separator: "\n"), worker.standardError)
  }

  /// The plain lines `embed` prints for these images, all good.
  private func vectors(_ images: [String]) async throws -> [String] {
    let (code, output, errors) = try await run(["embed"] + images + ["--model", model])
    #expect(code == 0, "\(errors)")
    return output.split(separator: "\n").map(String.init)
  }

  private func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("oneshot-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  @Test func embedPrintsEveryGoodFileAndNamesTheBadOne() async throws {
    let cat = image("gradient-64x64.png")
    let expected = try await vectors([cat])
    try #require(expected.count == 1)
    let (code, output, errors) = try await run(["embed", cat, "/etc/hostname", cat, "--model", model])
    #expect(code == 1)
    #expect(output.split(separator: "\n").map(String.init) == [expected[0], expected[0]])
    let lines = errors.split(separator: "\n")
    #expect(lines.count == 1, "stderr: \(errors)")
    #expect(lines.first?.hasPrefix("clip-worker: /etc/hostname: cannot decode image") == true, "stderr: \(errors)")
  }

  @Test func classifyPrintsEveryGoodFileAndNamesTheMissingOne() async throws {
    let a = image("gradient-64x64.png"), b = image("noise-40x30.png")
    let (code, output, errors) = try await run(
      ["classify", a, "missing.jpg", b, "--labels", "cat,dog", "--model", model])
    #expect(code == 1)
    let lines = output.split(separator: "\n").map(String.init)
    #expect(lines.count == 6, "\(output)")
    #expect(lines.first == a && lines.count > 3 && lines[3] == b)
    #expect(errors.contains("clip-worker: missing.jpg: no such file: missing.jpg"), "stderr: \(errors)")
    // The reason says where a relative path was looked for.
    #expect(errors.contains("working directory"), "stderr: \(errors)")
    #expect(errors.split(separator: "\n").count == 1, "stderr: \(errors)")

    // --json: a list per image, null for the one that could not be used.
    let (jsonCode, json, _) = try await run(
      ["classify", a, "missing.jpg", b, "--labels", "cat,dog", "--json", "--model", model])
    #expect(jsonCode == 1)
    let lists = try #require(try JSONParser.parse(json).arrayValue)
    #expect(lists.count == 3 && lists[1] == .null && lists[0].arrayValue?.count == 2 && lists[2].arrayValue?.count == 2)
  }

  @Test(arguments: [["embed"], ["classify", "--labels", "cat,dog"]])
  func failFastStopsAtTheFirstBadFile(command: [String]) async throws {
    let (code, output, errors) = try await run(
      [command[0], image("gradient-64x64.png"), "/etc/hostname", "missing.jpg"] + command.dropFirst()
        + ["--fail-fast", "--model", model])
    #expect(code == 1)
    #expect(output.isEmpty, "\(output)")
    #expect(errors.split(separator: "\n").count == 1, "stderr: \(errors)")
    #expect(errors.contains("/etc/hostname"), "stderr: \(errors)")
  }

  @Test func embedAFolderRecursivelyInSortedOrder() async throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let nested = folder.appendingPathComponent("b/inner")
    try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
    let files = [
      ("gradient-64x64.png", "b/inner/z.png"), ("noise-40x30.png", "a.PNG"), ("oriented-36x20.jpg", "b/c.jpg"),
    ]
    for (source, target) in files {
      try FileManager.default.copyItem(atPath: image(source), toPath: folder.appendingPathComponent(target).path)
    }
    // Not images, or hidden: skipped.
    try Data("not an image".utf8).write(to: folder.appendingPathComponent("notes.txt"))
    try FileManager.default.copyItem(atPath: image("noise-23x51.png"), toPath: folder.appendingPathComponent(".hidden.png").path)

    let expected = try await vectors(["a.PNG", "b/c.jpg", "b/inner/z.png"].map { folder.appendingPathComponent($0).path })
    try #require(expected.count == 3)
    let (code, output, errors) = try await run(["embed", folder.path, "--model", model])
    #expect(code == 0, "stderr: \(errors)")
    #expect(output.split(separator: "\n").map(String.init) == expected)
    // stderr is a pipe here: no progress bar.
    #expect(errors.isEmpty, "stderr: \(errors)")

    // classify takes folders the same way, naming each file.
    let (classifyCode, table, _) = try await run(["classify", folder.path, "--labels", "cat,dog", "--model", model])
    #expect(classifyCode == 0)
    let names = table.split(separator: "\n").filter { !$0.hasPrefix(" ") }.map(String.init)
    #expect(names == ["a.PNG", "b/c.jpg", "b/inner/z.png"].map { folder.path + "/" + $0 })
  }

  @Test func aRunOverTheRequestPixelLimitIsSplitNotFailed() async throws {
    // 1200 + 1173 + 720 pixels: over 3000 together, under it alone; the 64×64 image is over it alone.
    let small = ["noise-40x30.png", "noise-23x51.png", "oriented-36x20.jpg"].map(image)
    let expected = try await vectors(small)
    try #require(expected.count == 3)
    let (code, output, errors) = try await run(
      ["embed"] + small + [image("gradient-64x64.png"), "--max-request-pixels", "3000", "--model", model])
    #expect(code == 1)
    #expect(output.split(separator: "\n").map(String.init) == expected)
    #expect(errors.split(separator: "\n").count == 1, "stderr: \(errors)")
    #expect(errors.contains("gradient-64x64.png: "), "stderr: \(errors)")
  }

  /// The README's install step (`install -m 755 .build/release/clip-worker PREFIX/bin/`), into a temporary prefix,
  /// then its terminal examples with a bare `clip-worker` from another directory.
  @Test func theReadmeTerminalSectionWorksAfterTheDocumentedInstall() async throws {
    let readme = try String(contentsOf: WorkerProcess.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
    #expect(readme.contains("install -m 755 .build/release/clip-worker ~/.local/bin/"))
    let prefix = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: prefix) }
    let bin = prefix.appendingPathComponent("bin")
    try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
    let script = """
      set -e
      install -m 755 '\(WorkerProcess.executable.path)' '\(bin.path)/'
      cd '\(prefix.path)'
      clip-worker check --model '\(model)'
      clip-worker embed --text "a photo of a cat" --text "a dog" --model '\(model)' | wc -l
      clip-worker classify '\(image("noise-40x30.png"))' --labels "cat,dog,rocket" --model '\(model)' | head -1
      """
    let (code, output, errors) = try await WorkerProcess.run(
      ["-c", script], environment: ["PATH": bin.path + ":/usr/bin:/bin", "CLIP_WORKER_STORE": "none"],
      executable: URL(fileURLWithPath: "/bin/sh"))
    #expect(code == 0, "stderr: \(errors)")
    #expect(output.contains("2"), "\(output)")
    #expect(output.hasSuffix(image("noise-40x30.png")), "\(output)")
  }

  @Test func aFolderWithoutImagesFails() async throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let (code, output, errors) = try await run(["embed", folder.path, "--model", model])
    #expect(code == 1 && output.isEmpty)
    #expect(errors.contains("no images found in \(folder.path)"), "stderr: \(errors)")
  }

  @Test func embedReadsImageBytesAndTextsFromStandardInput() async throws {
    let path = image("noise-40x30.png")
    let expected = try await vectors([path])
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    let (code, output, errors) = try await run(["embed", "-", "--model", model], input: bytes)
    #expect(code == 0, "stderr: \(errors)")
    #expect(output.split(separator: "\n").map(String.init) == expected)

    let (textCode, fromStdin, _) = try await run(
      ["embed", "--text", "-", "--model", model], input: Array("a cat\n\na dog\r\n".utf8))
    #expect(textCode == 0)
    let (_, fromFlags, _) = try await run(["embed", "--text", "a cat", "--text", "a dog", "--model", model])
    #expect(fromStdin.split(separator: "\n").count == 2)
    #expect(fromStdin == fromFlags)

    // classify - too.
    let (classifyCode, table, _) = try await run(["classify", "-", "--labels", "cat,dog", "--model", model], input: bytes)
    #expect(classifyCode == 0)
    #expect(table.hasPrefix("-\n  "), "\(table)")
  }

  @Test(arguments: [
    (["embed"], "no input given"),
    (["embed", "--text", "-"], "no input given: --text - read no lines from stdin"),
    (["embed", "-"], "no input given: stdin is empty"),
    (["classify", "--labels", "a"], "no input given"),
    (["embed", "x.png", "--text", "-"], "embed takes either IMAGE arguments or --text options"),
    (["classify", "-", "-", "--labels", "a"], "- (stdin) may be given once"),
  ])
  func noInputIsAUsageError(arguments: [String], message: String) async throws {
    let (code, output, errors) = try await run(arguments + ["--model", model], input: [])
    #expect(code == 2)
    #expect(output.isEmpty)
    #expect(errors.contains(message), "stderr: \(errors)")
  }

  @Test func labelsWithCommasFromFlagsAndAFile() async throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("labels.txt")
    try Data("a dog, sleeping\n\n  a bird  \r\n".utf8).write(to: file)
    let (code, output, errors) = try await run(
      ["classify", image("gradient-64x64.png"), "--label", "a red, white and blue flag", "--labels", "cat",
       "--labels-file", file.path, "--json", "--model", model])
    #expect(code == 0, "stderr: \(errors)")
    let labels = try #require(try JSONParser.parse(output).arrayValue).compactMap { $0["label"]?.stringValue }
    #expect(Set(labels) == ["a red, white and blue flag", "cat", "a dog, sleeping", "a bird"])
  }

  @Test(arguments: [("missing", "cannot read the file"), ("empty", "no labels (one label per line)")])
  func aBadLabelsFileIsAUsageError(kind: String, message: String) async throws {
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("labels.txt")
    if kind == "empty" { try Data("\n  \n".utf8).write(to: file) }
    let (code, output, errors) = try await run(
      ["classify", image("gradient-64x64.png"), "--labels-file", file.path, "--model", model])
    #expect(code == 2 && output.isEmpty)
    #expect(errors.contains("--labels-file \(file.path): \(message)"), "stderr: \(errors)")
  }

  @Test(arguments: ["classify", "embed"])
  func helpDocumentsTheNewInputs(command: String) async throws {
    let (code, output, _) = try await run([command, "--help"])
    #expect(code == 0)
    #expect(output.contains("--fail-fast") && output.contains("folder") && output.contains("stdin"))
    if command == "classify" { #expect(output.contains("--label L") && output.contains("--labels-file F")) }
  }
}
