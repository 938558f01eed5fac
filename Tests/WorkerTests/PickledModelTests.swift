import Foundation
import JSONRPC
import Testing

/// `--model DIR` where DIR ships only `pytorch_model.bin`, through the real executable: the worker serves it, with
/// the embeddings the same weights give from `model.safetensors`; a pickle naming a hostile global is refused.
@Suite(.timeLimit(.minutes(5))) struct PickledModelTests {
  static let pickles = WorkerProcess.packageRoot.appendingPathComponent("Tests/TorchCheckpointTests/Fixtures")
  /// The persistent store stays out of these runs.
  static let environment = ["CLIP_WORKER_STORE": "none"]

  /// The micro CLIP of the pickle fixtures with tiny-clip's tokenizer and processor and the weights `weights`
  /// (file name → fixture path); removed by the caller.
  private func model(_ weights: [String: String]) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("PickledModelTests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    for name in ["vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json",
                 "preprocessor_config.json"] {
      try FileManager.default.copyItem(at: WorkerProcess.tinyCLIP.appendingPathComponent(name),
                                       to: url.appendingPathComponent(name))
    }
    for (name, source) in weights.merging(["config.json": "micro-clip/config.json"], uniquingKeysWith: { $1 }) {
      try FileManager.default.copyItem(at: Self.pickles.appendingPathComponent(source),
                                       to: url.appendingPathComponent(name))
    }
    return url
  }

  /// `initialize`'s model and the embeddings of two texts and an image from a worker serving `directory`.
  private func serve(_ directory: URL) async throws -> (model: JSONValue, texts: JSONValue, image: JSONValue) {
    let worker = try WorkerProcess(arguments: ["--model", directory.path], environment: Self.environment)
    let initialize = try #require(try await worker.call(1, "initialize").result?["model"])
    let texts = try #require(try await worker.call(2, "encodeText", ["texts": ["a cat", "a dog"]]).result)
    let path = WorkerProcess.fixtures.appendingPathComponent("images/noise-40x30.png").path
    let image = try #require(try await worker.call(3, "encodeImage", ["images": [["path": .string(path)]]]).result)
    worker.sendRequest("s", "shutdown")
    _ = try await worker.response(id: "s")
    worker.notify("exit")
    #expect(try await worker.exitCode() == 0, "stderr: \(worker.standardError)")
    return (initialize, try #require(texts["embeddings"]), try #require(image["embeddings"]))
  }

  @Test func aPickleOnlyModelIsServedWithTheSafetensorsEmbeddings() async throws {
    let pickled = try model(["pytorch_model.bin": "micro-clip/pytorch_model.bin"])
    let safetensors = try model(["model.safetensors": "micro-clip/model.safetensors"])
    defer { [pickled, safetensors].forEach { try? FileManager.default.removeItem(at: $0) } }
    let found = try await serve(pickled), expected = try await serve(safetensors)
    #expect(found.model["embeddingDim"] == 3 && found.model["dtype"] == "float32")
    #expect(found.texts.arrayValue?.count == 2 && found.image.arrayValue?.count == 1)
    #expect(found.texts == expected.texts)
    #expect(found.image == expected.image)
  }

  @Test func aHostilePickleIsRefusedByName() async throws {
    let hostile = try model(["pytorch_model.bin": "cases/os-system.bin"])
    defer { try? FileManager.default.removeItem(at: hostile) }
    let (code, _, errors) = try await WorkerProcess.run(["check", "--model", hostile.path],
                                                        environment: Self.environment)
    #expect(code == 1)
    #expect(errors.contains("pytorch_model.bin: refused global posix.system: only tensor data is read"),
            "stderr: \(errors)")
  }
}
