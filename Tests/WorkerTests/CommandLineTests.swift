import Foundation
import JSONRPC
import Testing

/// The executable's command line: help, version, and bad options (a message on stderr, exit code 2).
@Suite(.timeLimit(.minutes(5))) struct CommandLineTests {
  @Test func helpListsOptionsAndEnvironment() async throws {
    let (code, output, _) = try await WorkerProcess.run(["--help"])
    #expect(code == 0)
    for text in [
      "usage: clip-worker [--model MODEL]", "openai/clip-vit-base-patch32", "HF_HUB_OFFLINE",
      "--cache-mb", "CLIP_WORKER_CACHE_MB", "--threads", "CLIP_WORKER_THREADS",
      "--max-image-pixels", "CLIP_WORKER_MAX_IMAGE_PIXELS", "--log-level", "CLIP_WORKER_LOG_LEVEL",
      "CLIP_WORKER_MODEL", "--version",
    ] {
      #expect(output.contains(text), "help lacks \(text)")
    }
  }

  @Test func version() async throws {
    let (code, output, _) = try await WorkerProcess.run(["--version"])
    #expect(code == 0)
    #expect(output == "clip-worker 0.2.0")
  }

  @Test(arguments: [
    (["--bogus"], [String: String](), "unknown option --bogus"),
    (["--model"], [:], "--model needs a value"),
    (["--model", "/no/such/dir"], [:], "model directory not found: /no/such/dir"),
    (["--model", "bad id!"], [:], "'bad id!' is neither an existing directory nor a Hugging Face Hub id"),
    (["--model", "/dev/null"], [:], "model path is not a directory: /dev/null"),
    (["--model", "/tmp", "--cache-mb", "lots"], [:], "invalid value for --cache-mb: lots"),
    (["--model", "/tmp", "--threads=0"], [:], "invalid value for --threads: 0"),
    (["--model", "/tmp", "--log-level", "loud"], [:], "invalid value for --log-level: loud"),
    (["--model", "/tmp", "--precision", "fp8"], [:], "invalid value for --precision: fp8"),
    (["--model", "/tmp"], ["CLIP_WORKER_MAX_IMAGE_PIXELS": "-5"], "invalid value for --max-image-pixels: -5"),
  ])
  func badOptionsExitWithTwo(arguments: [String], environment: [String: String], message: String) async throws {
    let (code, output, errors) = try await WorkerProcess.run(arguments, environment: environment)
    #expect(code == 2)
    #expect(output.isEmpty)
    #expect(errors.contains(message), "stderr: \(errors)")
  }

  @Test func modelFromTheEnvironment() async throws {
    let worker = try WorkerProcess(
      arguments: [],
      environment: [
        "CLIP_WORKER_MODEL": WorkerProcess.tinyCLIP.path,
        "CLIP_WORKER_CACHE_MB": "3",
      ])
    let result = try #require(try await worker.call(1, "initialize").result)
    #expect(result["limits"]?["cacheCapacityBytes"] == JSONValue(3 * 1024 * 1024))
    worker.closeInput()
    #expect(try await worker.exitCode() == 0)
  }

  /// int8 is reported, and its embeddings are neither F32's nor cached under F32's keys.
  @Test func precisionFromTheEnvironmentIsReportedAndChangesTheEmbeddings() async throws {
    func embedding(_ environment: [String: String]) async throws -> (precision: JSONValue?, vector: JSONValue?) {
      let worker = try WorkerProcess(arguments: ["--model", WorkerProcess.tinyCLIP.path], environment: environment)
      let model = try #require(try await worker.call(1, "initialize").result?["model"])
      let vector = try await worker.call(2, "encodeText", ["texts": ["a photo of a cat"]]).result?["embeddings"]
      worker.closeInput()
      #expect(try await worker.exitCode() == 0)
      return (model["precision"], vector)
    }
    let exact = try await embedding([:]), int8 = try await embedding(["CLIP_WORKER_PRECISION": "int8"])
    #expect(exact.precision == "f32" && int8.precision == "int8")
    #expect(exact.vector != nil && int8.vector != nil && exact.vector != int8.vector)
  }

  @Test func commandLineWinsOverTheEnvironment() async throws {
    let worker = try WorkerProcess(
      arguments: [
        "--model", WorkerProcess.tinyCLIP.path, "--cache-mb", "5", "--threads", "1", "--max-image-pixels", "99",
      ],
      environment: ["CLIP_WORKER_CACHE_MB": "3"])
    let limits = try #require(try await worker.call(1, "initialize").result?["limits"])
    #expect(limits["cacheCapacityBytes"] == JSONValue(5 * 1024 * 1024))
    #expect(limits["threads"] == 1)
    #expect(limits["maxImagePixels"] == 99)
    worker.closeInput()
    #expect(try await worker.exitCode() == 0)
  }
}
