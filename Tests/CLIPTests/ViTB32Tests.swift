import Foundation
import Testing
import CLIP

/// The engine against `transformers` at full size: a random checkpoint with openai/clip-vit-base-patch32's
/// shapes, written on demand (about 600 MB, never committed) by
///
///     python3 Tests/CLIPTests/Fixtures/make_fixtures.py --vit-b32     # -> .bench/vit-b32
///     CLIP_VITB32_DIR=.bench/vit-b32 swift test -c release --filter CLIPTests.ViTB32Tests
///
/// Every embedding must have cosine similarity >= 0.99999 with the reference. Skipped without the variable.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["CLIP_VITB32_DIR"] != nil, "set CLIP_VITB32_DIR"))
struct ViTB32Tests {
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

  static func cosine(_ a: [Float], _ b: [Float]) -> Double {
    var dot = 0.0, na = 0.0, nb = 0.0
    for (x, y) in zip(a, b) {
      dot += Double(x) * Double(y)
      na += Double(x) * Double(x)
      nb += Double(y) * Double(y)
    }
    return dot / (na * nb).squareRoot()
  }

  @Test func embeddingsMatchTransformers() throws {
    let directory = URL(fileURLWithPath: ProcessInfo.processInfo.environment["CLIP_VITB32_DIR"]!)
    let reference = try JSONDecoder().decode(
      Reference.self, from: Data(contentsOf: directory.appendingPathComponent("reference.json")))
    let clock = ContinuousClock()
    var engine: CLIPEngine?
    let load = try clock.measure { engine = try CLIPEngine(directory: directory) }
    let clip = try #require(engine)
    #expect(clip.info.embeddingDimension == 512 && clip.info.imageSize == 224)
    #expect(abs(clip.info.logitScale - reference.logitScale) <= 1e-5 * reference.logitScale)
    // The full 49408-token vocabulary gives CLIPTokenizerFast's ids.
    #expect(reference.texts.map(clip.tokenizer.encode) == reference.tokenIDs)

    var text: [[Float]] = [], images: [[Float]] = []
    let textTime = clock.measure { text = clip.textEmbeddings(reference.texts) }
    let imageTime = clock.measure { images = clip.imageEmbeddings(pixelTensors: reference.pixelTensors) }
    for (i, (got, expected)) in zip(text, reference.textEmbeds).enumerated() {
      #expect(Self.cosine(got, expected) >= 0.99999, "text \(i)")
    }
    for (i, (got, expected)) in zip(images, reference.imageEmbeds).enumerated() {
      #expect(Self.cosine(got, expected) >= 0.99999, "image \(i)")
    }
    #expect(text.count == reference.textEmbeds.count && images.count == reference.imageEmbeds.count)
    let pairs = Array(zip(text + images, reference.textEmbeds + reference.imageEmbeds))
    let worst = pairs.map { Self.cosine($0, $1) }.min() ?? 0
    let maxAbs = pairs.flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? 0
    // Figures for the README; test output is not protocol output.
    print("ViT-B/32: load \(load), \(text.count) texts \(textTime), \(images.count) images \(imageTime), "
      + "min cosine \(worst), max abs error \(maxAbs)")
  }
}
