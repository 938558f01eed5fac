import Foundation
import ImageCodecs
import Models
import Testing
import TestSupport
import SigLIP

/// The checkpoint to check, from SIGLIP2_NAFLEX_PARITY_DIR.
private let parityDirectory = ProcessInfo.processInfo.environment["SIGLIP2_NAFLEX_PARITY_DIR"].map {
  URL(fileURLWithPath: $0)
}

/// SigLIP 2 NaFlex against transformers at full size: a random checkpoint with google/siglip2-base-patch16-naflex's
/// shapes (768 wide, 12 layers, patch 16, a 16×16 position grid, up to 256 patches), written on demand (about
/// 750 MB, never committed) by
///
///     python3 Tests/SigLIPTests/Fixtures/make_naflex_fixtures.py --shape base16   # -> .bench/siglip2-naflex-base16
///     SIGLIP2_NAFLEX_PARITY_DIR=.bench/siglip2-naflex-base16 swift test --filter SigLIPTests.NaFlexFullSizeParityTests
///
/// The processor's patches must be the reference's exactly; every embedding must have cosine similarity ≥ 0.99999
/// with the reference. Skipped without the variable.
@Suite(.enabled(if: parityDirectory != nil, "set SIGLIP2_NAFLEX_PARITY_DIR"), .timeLimit(.minutes(10)))
struct NaFlexFullSizeParityTests {
  struct Reference: Decodable {
    var images: [NaFlexFixtures.Image]
    var text: NaFlexFixtures.Text
  }

  @Test func patchesAndEmbeddingsMatchTransformers() throws {
    let directory = try #require(parityDirectory)
    let reference = try JSONDecoder().decode(
      Reference.self, from: Data(contentsOf: directory.appendingPathComponent("reference.json")))
    let clock = ContinuousClock()
    var loaded: Siglip2Engine?
    let load = try clock.measure { loaded = try ModelFamilies.load(directory: directory) as? Siglip2Engine }
    let engine = try #require(loaded)
    let images = reference.images.map { RGBImage(width: $0.width, height: $0.height, pixels: $0.pixels) }
    for (image, expected) in zip(images, reference.images) {
      let patches = engine.imageProcessor(image)
      #expect([patches.rows, patches.columns] == expected.spatialShape, "\(image.width)×\(image.height)")
      #expect(patches.values == expected.pixelValues, "\(image.width)×\(image.height)")
    }
    var text: [[Float]] = [], embedded: [[Float]] = []
    let textTime = clock.measure { text = engine.textEmbeddings(reference.text.texts) }
    let imageTime = clock.measure { embedded = engine.imageEmbeddings(images) }
    try #require(text.count == reference.text.textEmbeds.count && embedded.count == reference.images.count)
    let pairs = Array(zip(text + embedded, reference.text.textEmbeds + reference.images.map(\.imageEmbeds)))
    for (i, (got, expected)) in pairs.enumerated() {
      #expect(cosineSimilarity(got, expected) >= 0.99999, "embedding \(i)")
    }
    let worst = pairs.map { cosineSimilarity($0, $1) }.min() ?? 0
    let maxAbs = pairs.flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? 0
    print("\(directory.lastPathComponent): load \(load), \(text.count) texts \(textTime), \(images.count) images "
      + "\(imageTime), min cosine \(worst), max abs error \(maxAbs)")
  }
}
