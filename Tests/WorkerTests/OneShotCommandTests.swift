import Foundation
import JSONRPC
import Testing

/// `clip-worker classify` and `clip-worker embed` against the tiny checkpoint: the printed results are the
/// results the server's methods give for the same inputs, and bad arguments exit with 2.
@Suite(.timeLimit(.minutes(5))) struct OneShotCommandTests {
  private let model = WorkerProcess.tinyCLIP.path

  private func image(_ name: String) -> String {
    WorkerProcess.fixtures.appendingPathComponent("images/\(name)").path
  }

  /// The server's result for one request (a fresh worker on the tiny checkpoint).
  private func serverResult(_ method: String, _ params: JSONValue) async throws -> JSONValue {
    let worker = try WorkerProcess(arguments: ["--model", model])
    let response = try await worker.call(1, method, params)
    worker.closeInput()
    #expect(try await worker.exitCode() == 0)
    return try #require(response.result, "\(response)")
  }

  @Test func classifyJSONIsTheMethodsResult() async throws {
    let images = [image("gradient-64x64.png"), image("noise-23x51.png")]
    let (code, output, errors) = try await WorkerProcess.run(
      ["classify"] + images + ["--labels", "cat, dog", "--labels=bird", "--template", "a {}", "--top-k", "2",
                               "--json", "--model", model])
    #expect(code == 0, "\(errors)")
    let expected = try await serverResult(
      "classify",
      ["images": .array(images.map { ["path": .string($0)] }), "labels": ["cat", "dog", "bird"], "template": "a {}",
       "topK": 2])
    #expect(try JSONParser.parse(output) == expected)
    #expect(expected[0]?.arrayValue?.count == 2)
  }

  @Test func classifyTableRanksOneImage() async throws {
    let path = image("noise-40x30.png")
    let (code, output, errors) = try await WorkerProcess.run(
      ["classify", path, "--labels", "cat,dog,bird", "--model", model])
    #expect(code == 0, "\(errors)")
    let expected = try #require(
      try await serverResult("classify", ["image": ["path": .string(path)], "labels": ["cat", "dog", "bird"]])
        .arrayValue)
    let rows = expected.map { entry in
      "  " + String(format: "%.4f", entry["score"]?.numberValue?.doubleValue ?? .nan) + "  "
        + (entry["label"]?.stringValue ?? "")
    }
    #expect(output == ([path] + rows).joined(separator: "\n"))
  }

  @Test func embedImagesPrintsTheMethodsVectors() async throws {
    let images = [image("gradient-64x64.png"), image("noise-40x30.png")]
    let params: JSONValue = ["images": .array(images.map { ["path": .string($0)] })]
    let expected = try #require(try await serverResult("encodeImage", params)["embeddings"]?.arrayValue)

    let (code, output, errors) = try await WorkerProcess.run(["embed"] + images + ["--model", model])
    #expect(code == 0, "\(errors)")
    let lines = output.split(separator: "\n").map(String.init)
    #expect(lines.count == 2)
    // Plain output: the same numbers as the JSON result, written the same way, separated by spaces.
    #expect(lines == expected.map { ($0.arrayValue ?? []).map(\.description).joined(separator: " ") })
    #expect(lines[0].split(separator: " ").count == 24)

    let (jsonCode, json, _) = try await WorkerProcess.run(["embed"] + images + ["--json", "--model", model])
    #expect(jsonCode == 0)
    #expect(try json.split(separator: "\n").map { try JSONParser.parse(String($0)) } == expected)
  }

  @Test func embedTextsWithoutNormalizing() async throws {
    let expected = try #require(
      try await serverResult("encodeText", ["texts": ["a cat", "a dog"], "normalize": false])["embeddings"]?
        .arrayValue)
    let (code, output, errors) = try await WorkerProcess.run(
      ["embed", "--text", "a cat", "--text", "a dog", "--no-normalize", "--json", "--model", model])
    #expect(code == 0, "\(errors)")
    #expect(try output.split(separator: "\n").map { try JSONParser.parse(String($0)) } == expected)
    // Not normalized: the tiny model's raw projections are not of unit length.
    let first = try #require(expected.first?.arrayValue?.compactMap { $0.numberValue?.doubleValue })
    #expect(abs(first.map { $0 * $0 }.reduce(0, +) - 1) > 1e-3)
  }

  @Test(arguments: [
    (["classify", "x.png"], "classify needs --labels"),
    (["classify", "--labels", "a"], "no input given: classify needs at least one IMAGE"),
    (["classify", "x.png", "--labels", "a", "--top-k", "0"], "invalid value for --top-k: 0"),
    (["classify", "x.png", "--labels", "a", "--text", "b"], "unknown option --text"),
    (["embed"], "no input given: embed takes either IMAGE arguments or --text options"),
    (["embed", "x.png", "--text", "a"], "embed takes either IMAGE arguments or --text options"),
    (["embed", "--text"], "--text needs a value"),
    (["embed", "--json=yes", "--text", "a"], "invalid value for --json: yes"),
  ])
  func usageErrorsExitWithTwo(arguments: [String], message: String) async throws {
    // The command comes first; the model right after it, so that a flag missing its value is the last word.
    let (code, output, errors) = try await WorkerProcess.run([arguments[0], "--model", model] + arguments.dropFirst())
    #expect(code == 2)
    #expect(output.isEmpty)
    #expect(errors.contains(message), "stderr: \(errors)")
    #expect(errors.contains("Try 'clip-worker \(arguments[0]) --help'."), "stderr: \(errors)")
  }

  @Test func anUnreadableImageExitsWithOne() async throws {
    let (code, output, errors) = try await WorkerProcess.run(
      ["classify", "/no/such/image.png", "--labels", "a,b", "--model", model])
    #expect(code == 1)
    #expect(output.isEmpty)
    #expect(errors.contains("clip-worker: /no/such/image.png: no such file: /no/such/image.png"), "stderr: \(errors)")
  }

  @Test(arguments: ["classify", "embed"])
  func helpPerCommand(command: String) async throws {
    let (code, output, _) = try await WorkerProcess.run([command, "--help"])
    #expect(code == 0)
    #expect(output.hasPrefix("usage: clip-worker \(command) "))
    #expect(output.contains("--json") && output.contains("--model MODEL") && output.contains("exit codes"))
  }
}

/// Issue 20: a one-shot command is quiet on stderr unless asked (`-v`).
@Suite(.timeLimit(.minutes(5))) struct OneShotQuietTests {
  @Test func quietByDefaultAndLogsWithVerbose() async throws {
    let model = WorkerProcess.tinyCLIP.path
    let (code, output, errors) = try await WorkerProcess.run(["embed", "--text", "a cat", "--model", model])
    #expect(code == 0 && !output.isEmpty)
    #expect(errors.isEmpty, "stderr: \(errors)")
    let (verboseCode, _, verbose) = try await WorkerProcess.run(["embed", "--text", "a cat", "-v", "--model", model])
    // The "ready" line is logged after the waiting call resumes, so a fast one-shot may exit before it: only
    // the exit code is checked here.
    #expect(verboseCode == 0, "stderr: \(verbose)")
  }
}
