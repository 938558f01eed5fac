import Foundation
import SafeTensors

/// The committed fixtures of `Fixtures/` (written by `Fixtures/make_fixtures.py`) and helpers to build
/// variant checkpoints from them in temporary directories.
enum TestFixtures {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

  /// A checkpoint directory under `Fixtures/`, e.g. `tiny-clip`.
  static func checkpoint(_ name: String) -> URL { directory.appendingPathComponent(name) }

  /// `inputs.json`: texts and their token ids from `CLIPTokenizerFast`.
  struct Inputs: Decodable {
    let texts: [String]
    let tokenIDs: [[Int]]
    let paddedTokenIDs: [[Int]]
    enum CodingKeys: String, CodingKey {
      case texts
      case tokenIDs = "token_ids", paddedTokenIDs = "padded_token_ids"
    }
  }

  /// `references/<variant>.json`: what `transformers` computed.
  struct Reference: Decodable {
    let pooling: String
    let logitScale: Float
    let textEmbeds: [[Float]]
    let imageEmbeds: [[Float]]
    let rgbImageEmbeds: [Float]
    let logitsPerImage: [Float]
    enum CodingKeys: String, CodingKey {
      case pooling
      case logitScale = "logit_scale", textEmbeds = "text_embeds", imageEmbeds = "image_embeds"
      case rgbImageEmbeds = "rgb_image_embeds", logitsPerImage = "logits_per_image"
    }
  }

  static func inputs() throws -> Inputs {
    try JSONDecoder().decode(Inputs.self, from: Data(contentsOf: directory.appendingPathComponent("inputs.json")))
  }

  static func reference(_ variant: String) throws -> Reference {
    let url = directory.appendingPathComponent("references/\(variant).json")
    return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
  }

  /// Raw little-endian float32 values.
  static func float32s(_ file: String) throws -> [Float] {
    let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent(file)))
    return stride(from: 0, to: bytes.count, by: 4).map { i in
      Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16
        | UInt32(bytes[i + 3]) << 24)
    }
  }

  /// The three random pixel tensors `[3, 32, 32]` of `pixels.f32`.
  static func pixelTensors() throws -> [[Float]] {
    let all = try float32s("pixels.f32")
    let size = 3 * 32 * 32
    return (0 ..< all.count / size).map { Array(all[$0 * size ..< ($0 + 1) * size]) }
  }

  /// The F32 tensors of tiny-clip's `model.safetensors`, in file order, for rewriting with a defect.
  static func tinyTensors() throws -> [SafeTensorsEncoder.Tensor] {
    let file = try SafeTensorsFile(contentsOf: checkpoint("tiny-clip").appendingPathComponent("model.safetensors"))
    return try file.tensors.values.sorted { $0.dataRange.lowerBound < $1.dataRange.lowerBound }.map { info in
      SafeTensorsEncoder.Tensor(name: info.name, shape: info.shape, floats: try file.floats(info.name))
    }
  }

  /// A fresh temporary directory holding `files` (name → contents); removed by `remove(_:)`.
  static func temporaryCheckpoint(_ files: [String: Data]) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("clip-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    for (name, contents) in files { try contents.write(to: url.appendingPathComponent(name)) }
    return url
  }

  static func remove(_ url: URL) {
    try? FileManager.default.removeItem(at: url)
  }

  /// tiny-clip's `config.json` or model weights, unchanged.
  static func tinyFile(_ name: String) throws -> Data {
    try Data(contentsOf: checkpoint("tiny-clip").appendingPathComponent(name))
  }

  /// The largest absolute difference between two equally shaped batches of vectors.
  static func maxAbsDifference(_ a: [[Float]], _ b: [[Float]]) -> Float {
    precondition(a.count == b.count && zip(a, b).allSatisfy { $0.count == $1.count }, "shapes differ")
    return zip(a, b).flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? 0
  }

  /// The softmax of `logits` in double precision: the expectation of the engine's scores, computed apart from it.
  static func softmax(_ logits: [Float]) -> [Float] {
    let top = Double(logits.max() ?? 0)
    let e = logits.map { Foundation.exp(Double($0) - top) }
    let sum = e.reduce(0, +)
    return e.map { Float($0 / sum) }
  }
}
