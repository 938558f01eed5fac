import Foundation
import HubTestSupport
@testable import Hub

/// Scratch directories and checkpoint contents shared by the Hub tests.
enum TestCheckpoint {
  /// CLIP's files, whatever the config says (the Hub module knows no families; the worker's tests prove the
  /// registry's choice).
  static let files: CheckpointFileChooser = { _ in
    CheckpointFileSet(
      required: [.init(file: "preprocessor_config.json"),
                 .init(name: "tokenizer.json (or vocab.json and merges.txt)",
                       alternatives: [["tokenizer.json"], ["vocab.json", "merges.txt"]])],
      optional: ["tokenizer_config.json", "special_tokens_map.json"])
  }

  /// A fresh directory under the system temporary directory; the caller removes it.
  static func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("HubTests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// The small files every checkpoint needs, with contents that tell them apart.
  static let smallFiles: [String: String] = [
    "config.json": #"{"model_type": "clip"}"#,
    "preprocessor_config.json": #"{"crop_size": 224}"#,
    "vocab.json": #"{"a</w>": 0}"#,
    "merges.txt": "#version: 0.2\n",
    "tokenizer_config.json": #"{"model_max_length": 77}"#,
  ]

  /// Deterministic pseudo-random bytes (a 64-bit LCG), so a cut or resumed file is checked byte for byte.
  static func bytes(count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return UInt8(truncatingIfNeeded: state >> 56)
    }
  }

  /// A hub with the small files and `weights` as `model.safetensors`.
  static func hub(repo: String = "openai/clip-test", weights: [UInt8]) throws -> FakeHub {
    let hub = try FakeHub(repo: repo)
    for (name, text) in smallFiles { hub.add(name, text) }
    hub.add("model.safetensors", weights)
    return hub
  }

  static func writeSmallFiles(to directory: URL) throws {
    for (name, text) in smallFiles { try Data(text.utf8).write(to: directory.appendingPathComponent(name)) }
  }

  static func configuration(cache: URL, endpoint: URL, token: String? = nil,
                            offline: Bool = false) -> HubConfiguration {
    HubConfiguration(cacheDirectory: cache, endpoint: endpoint, token: token, offline: offline, timeout: 5)
  }

  static func contents(_ url: URL) throws -> [UInt8] { Array(try Data(contentsOf: url)) }
}
