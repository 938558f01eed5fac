import Foundation
import Kernels
import Testing
import TestSupport
import SigLIP

/// The checkpoint to check, from SIGLIP_PARITY_DIR.
private let parityDirectory = ProcessInfo.processInfo.environment["SIGLIP_PARITY_DIR"].map { URL(fileURLWithPath: $0) }

/// The SigLIP towers against `transformers` at full size: a random checkpoint with google/siglip-base-patch16-224's
/// shapes, written on demand (800 MB, never committed) by
///
///     python3 Tests/SigLIPTests/Fixtures/make_fixtures.py --shape base16     # -> .bench/siglip-base16
///     SIGLIP_PARITY_DIR=.bench/siglip-base16 swift test --filter SigLIPTests.FullSizeParityTests
///
/// Every embedding must have cosine similarity >= 0.99999 with the reference. Skipped without the variable.
@Suite(.enabled(if: parityDirectory != nil, "set SIGLIP_PARITY_DIR"), .timeLimit(.minutes(10)))
struct FullSizeParityTests {
  struct Reference: Decodable {
    var tokenIDs: [[Int]]
    var pixelTensors: [[Float]]
    var textEmbeds: [[Float]]
    var imageEmbeds: [[Float]]
  }


  @Test func embeddingsMatchTransformers() throws {
    let directory = try #require(parityDirectory)
    let reference = try JSONDecoder().decode(
      Reference.self, from: Data(contentsOf: directory.appendingPathComponent("reference.json")))
    let clock = ContinuousClock()
    var loaded: SiglipModel?
    let load = try clock.measure { loaded = try SiglipModel(directory: directory) }
    let model = try #require(loaded)
    var text: [[Float]] = [], images: [[Float]] = []
    let textTime = clock.measure { text = model.text.embed(tokenIDs: reference.tokenIDs) }
    let imageTime = clock.measure { images = model.vision.embed(pixelTensors: reference.pixelTensors) }
    try #require(text.count == reference.textEmbeds.count && images.count == reference.imageEmbeds.count)
    let pairs = Array(zip(text + images, reference.textEmbeds + reference.imageEmbeds))
    for (i, (got, expected)) in pairs.enumerated() { #expect(cosineSimilarity(got, expected) >= 0.99999, "embedding \(i)") }
    let worst = pairs.map { cosineSimilarity($0, $1) }.min() ?? 0
    let maxAbs = pairs.flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? 0
    print("\(directory.lastPathComponent): load \(load), \(text.count) texts \(textTime), \(images.count) images "
      + "\(imageTime), min cosine \(worst), max abs error \(maxAbs)")
  }
}
