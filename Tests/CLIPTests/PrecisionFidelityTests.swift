import Foundation
import Kernels
import Testing
import TestSupport
@testable import CLIP
@testable import Transformer

/// The faster precisions on the tiny checkpoint: the encoder layers change precision (at bf16 the edge layers too),
/// and the embeddings stay close to the reference's F32 ones.
@Suite(.timeLimit(.minutes(5))) struct PrecisionFidelityTests {

  @Test(arguments: [LinearPrecision.int8, .bfloat16])
  func encoderLayersChangeAndTheEmbeddingsStayClose(_ precision: LinearPrecision) throws {
    let model = try CLIPModel(directory: TestFixtures.checkpoint("tiny-clip"), precision: precision)
    let reference = try TestFixtures.reference("tiny-clip")
    #expect(model.precision == precision)
    let layers = model.text.encoder.layers + model.vision.encoder.layers
    #expect(layers.allSatisfy { [$0.attention.qkv.rest, $0.attention.output, $0.mlp.fc1.rest, $0.mlp.fc2].allSatisfy {
      $0.precision == precision } })
    // The edge layers (patch embedding, projections) follow bf16 and stay F32 at int8.
    let edge: LinearPrecision = precision == .int8 ? .float32 : precision
    #expect(model.vision.patchEmbedding.precision == edge && model.text.projection.precision == edge
            && model.vision.projection.precision == edge)
    let texts = model.text.embed(tokenIDs: try TestFixtures.inputs().tokenIDs)
    let images = model.vision.embed(pixelTensors: try TestFixtures.pixelTensors())
    try #require(texts.count == reference.textEmbeds.count && images.count == reference.imageEmbeds.count)
    let cosines = zip(texts + images, reference.textEmbeds + reference.imageEmbeds).map { cosineSimilarity($0, $1) }
    let lowest = cosines.min() ?? 0
    print("tiny-clip \(precision.rawValue): lowest cosine against transformers F32 \(lowest)")
    #expect(lowest >= (precision == .int8 ? 0.999 : 0.9999), "lowest cosine \(lowest)")
    // Not silently F32: the values move.
    #expect(TestFixtures.maxAbsDifference(texts, reference.textEmbeds) > 0)
  }
}
