import Foundation
import Kernels
import Testing
import TestSupport
import CLIP

/// The checkpoint to check, from CLIP_PARITY_DIR (or its older name CLIP_VITB32_DIR).
private let parityDirectory: URL? = {
  let environment = ProcessInfo.processInfo.environment
  return (environment["CLIP_PARITY_DIR"] ?? environment["CLIP_VITB32_DIR"]).map { URL(fileURLWithPath: $0) }
}()

/// The precision to load at, from CLIP_PARITY_PRECISION (f32 by default): `int8` and `bf16` are held to the
/// issue's fidelity targets (cosine >= 0.9995 and >= 0.99995) instead of F32's exactness.
private let parityPrecision = LinearPrecision(
  rawValue: ProcessInfo.processInfo.environment["CLIP_PARITY_PRECISION"] ?? "f32") ?? .float32

/// The engine against `transformers` at full size: a random checkpoint with the shapes of an OpenAI CLIP
/// (ViT-B/32, ViT-B/16, ViT-L/14, ViT-L/14-336), written on demand (0.6 to 1.7 GB, never committed) by
///
///     python3 Tests/CLIPTests/Fixtures/make_fixtures.py --shape vit-b16     # -> .bench/vit-b16
///     CLIP_PARITY_DIR=.bench/vit-b16 swift test -c release --filter CLIPTests.FullSizeParityTests
///
/// (`--vit-b32` and `CLIP_VITB32_DIR` are the older names for the ViT-B/32 case.) Every embedding must have
/// cosine similarity >= 0.99999 with the reference. Skipped without either variable.
@Suite(.enabled(if: parityDirectory != nil, "set CLIP_PARITY_DIR"), .timeLimit(.minutes(10)))
struct FullSizeParityTests {
  struct Reference: Decodable {
    let texts: [String]
    let tokenIDs: [[Int]]
    let pixelTensors: [[Float]]
    let textEmbeds: [[Float]]
    let imageEmbeds: [[Float]]
    let logitScale: Float
    enum CodingKeys: String, CodingKey {
      case texts, tokenIDs = "token_ids", pixelTensors = "pixel_tensors", textEmbeds = "text_embeds"
      case imageEmbeds = "image_embeds", logitScale = "logit_scale"
    }
  }


  @Test func embeddingsMatchTransformers() throws {
    let directory = try #require(parityDirectory)
    let reference = try JSONDecoder().decode(
      Reference.self, from: Data(contentsOf: directory.appendingPathComponent("reference.json")))
    let clock = ContinuousClock()
    var engine: CLIPEngine?
    let load = try clock.measure { engine = try CLIPEngine(directory: directory, precision: parityPrecision) }
    let least = switch parityPrecision {
    case .float32: 0.99999
    case .bfloat16: 0.99995
    case .int8: 0.9995
    }
    let clip = try #require(engine)
    // The shape comes from the reference: the projection's width, and the side of the square pixel tensors.
    let side = Int((Double(reference.pixelTensors[0].count / 3)).squareRoot())
    #expect(clip.info.embeddingDimension == reference.textEmbeds[0].count && clip.info.imageSize == side)
    #expect(abs(clip.info.logitScale - reference.logitScale) <= 1e-5 * reference.logitScale)
    // The full 49408-token vocabulary gives CLIPTokenizerFast's ids.
    #expect(reference.texts.map(clip.tokenizer.encode) == reference.tokenIDs)

    var text: [[Float]] = [], images: [[Float]] = []
    let textTime = clock.measure { text = clip.textEmbeddings(reference.texts) }
    let imageTime = clock.measure { images = clip.imageEmbeddings(pixelTensors: reference.pixelTensors) }
    for (i, (got, expected)) in zip(text, reference.textEmbeds).enumerated() {
      #expect(cosineSimilarity(got, expected) >= least, "text \(i)")
    }
    for (i, (got, expected)) in zip(images, reference.imageEmbeds).enumerated() {
      #expect(cosineSimilarity(got, expected) >= least, "image \(i)")
    }
    #expect(text.count == reference.textEmbeds.count && images.count == reference.imageEmbeds.count)
    let pairs = Array(zip(text + images, reference.textEmbeds + reference.imageEmbeds))
    let worst = pairs.map { cosineSimilarity($0, $1) }.min() ?? 0
    let maxAbs = pairs.flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? 0
    // Figures for the README; test output is not protocol output.
    print("\(directory.lastPathComponent) \(parityPrecision.rawValue): load \(load), \(text.count) texts \(textTime), \(images.count) images \(imageTime), "
      + "min cosine \(worst), max abs error \(maxAbs)")
  }
}
