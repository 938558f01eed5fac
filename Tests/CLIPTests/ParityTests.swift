import Foundation
import Testing
@testable import CLIP
import Models
@testable import Transformer
import Kernels

/// The engine against `transformers` on the tiny random checkpoints of `Fixtures/` (see make_fixtures.py):
/// every embedding within 1e-5 of the reference, absolute.
@Suite(.timeLimit(.minutes(5))) struct ParityTests {
  static let tolerance: Float = 1e-5

  @Test func textEmbeddingsMatchTransformers() throws {
    let model = try CLIPModel(directory: TestFixtures.checkpoint("tiny-clip"))
    let reference = try TestFixtures.reference("tiny-clip")
    let embeds = model.text.embed(tokenIDs: try TestFixtures.inputs().tokenIDs)
    #expect(!model.text.projection.holdsHalves, "F32 weights are packed as floats")
    #expect(embeds.count == 10 && embeds.allSatisfy { $0.count == 24 })
    #expect(TestFixtures.maxAbsDifference(embeds, reference.textEmbeds) <= Self.tolerance)
  }

  @Test func imageEmbeddingsMatchTransformers() throws {
    let model = try CLIPModel(directory: TestFixtures.checkpoint("tiny-clip"))
    let reference = try TestFixtures.reference("tiny-clip")
    let embeds = model.vision.embed(pixelTensors: try TestFixtures.pixelTensors())
    #expect(embeds.count == 3 && embeds.allSatisfy { $0.count == 24 })
    #expect(TestFixtures.maxAbsDifference(embeds, reference.imageEmbeds) <= Self.tolerance)
  }

  /// The image tensor CLIPImageProcessor made of `rgb-45x37.rgb`, through the vision tower.
  @Test func processedImageEmbeddingMatchesTransformers() throws {
    let model = try CLIPModel(directory: TestFixtures.checkpoint("tiny-clip"))
    let reference = try TestFixtures.reference("tiny-clip")
    let embeds = model.vision.embed(pixelTensors: [try TestFixtures.float32s("rgb-45x37.f32")])
    #expect(TestFixtures.maxAbsDifference(embeds, [reference.rgbImageEmbeds]) <= Self.tolerance)
  }

  /// `logit_scale` comes from the checkpoint tensor (2.9), not the config's init value (2.6592).
  @Test func logitsPerImageMatchTransformers() throws {
    let model = try CLIPModel(directory: TestFixtures.checkpoint("tiny-clip"))
    let reference = try TestFixtures.reference("tiny-clip")
    #expect(abs(model.logitScale - reference.logitScale) <= 1e-5 * reference.logitScale)
    let image = model.vision.embed(pixelTensors: [try TestFixtures.pixelTensors()[0]])[0]
    let texts = model.text.embed(tokenIDs: try TestFixtures.inputs().tokenIDs)
    let scoring = ZeroShotScoring.softmax(logitScale: model.logitScale)
    let logits = scoring.logits(image: image, texts: texts)
    // Logits are cosines scaled by ~18: 1e-5 on the embeddings allows a little more here.
    #expect(TestFixtures.maxAbsDifference([logits], [reference.logitsPerImage]) <= 1e-4)
    let probabilities = scoring.scores(image: image, texts: texts)
    let expected = TestFixtures.softmax(reference.logitsPerImage)
    #expect(TestFixtures.maxAbsDifference([probabilities], [expected]) <= 1e-5)
    #expect(abs(probabilities.reduce(0, +) - 1) <= 1e-5)
  }

  /// Computation stops at the end token, so padding changes nothing; batching changes nothing either.
  @Test func paddingAndBatchingDoNotChangeEmbeddings() throws {
    let model = try CLIPModel(directory: TestFixtures.checkpoint("tiny-clip"))
    let inputs = try TestFixtures.inputs()
    let batched = model.text.embed(tokenIDs: inputs.tokenIDs)
    let padded = model.text.embed(tokenIDs: inputs.paddedTokenIDs)
    let single = inputs.tokenIDs.map { model.text.embed(tokenIDs: [$0])[0] }
    #expect(TestFixtures.maxAbsDifference(batched, padded) <= 1e-6)
    #expect(TestFixtures.maxAbsDifference(batched, single) <= 1e-6)
    let pixels = try TestFixtures.pixelTensors()
    let images = model.vision.embed(pixelTensors: pixels)
    #expect(TestFixtures.maxAbsDifference(images, pixels.map { model.vision.embed(pixelTensors: [$0])[0] }) <= 1e-6)
  }

  /// Sequences that begin alike share rows in a batch (a prefix tree); each embedding is still bit for bit the
  /// one it gets alone, also for a sequence that ends where another goes on (the legacy argmax end token).
  @Test func sharedBeginningsGiveEachSequenceItsOwnEmbedding() throws {
    let inputs = try TestFixtures.inputs()
    let batch = inputs.tokenIDs + [inputs.tokenIDs[0], Array(inputs.tokenIDs[1].dropLast(2)) + [1513]]
    let model = try CLIPModel(directory: TestFixtures.checkpoint("tiny-clip"))
    #expect(model.text.embed(tokenIDs: batch) == batch.map { model.text.embed(tokenIDs: [$0])[0] })

    let config = try Data(contentsOf: TestFixtures.directory.appendingPathComponent("configs/legacy-eos.json"))
    let directory = try TestFixtures.temporaryCheckpoint([
      "config.json": config, "model.safetensors": try TestFixtures.tinyFile("model.safetensors"),
    ])
    defer { TestFixtures.remove(directory) }
    let legacy = try CLIPModel(directory: directory)
    // Pooled at the largest id: [5, 900] ends inside [5, 900, 3], which is pooled there too and so is the same
    // sequence, and inside [5, 900, 1000, 7].
    let nested = [[5, 900], [5, 900, 3], [5, 900, 1000, 7], [5]]
    #expect(legacy.text.embed(tokenIDs: nested) == nested.map { legacy.text.embed(tokenIDs: [$0])[0] })
  }

  /// F16 and BF16 weights are kept as halves and widened exactly when used; a sharded checkpoint (carrying the int64 `position_ids` buffers
  /// old Hub checkpoints have) loads as one.
  @Test(arguments: ["tiny-clip-f16", "tiny-clip-bf16", "tiny-clip-sharded"])
  func storedVariantMatchesTransformers(_ name: String) throws {
    let model = try CLIPModel(directory: TestFixtures.checkpoint(name))
    let reference = try TestFixtures.reference(name)
    #expect(model.dtype == (name.hasSuffix("bf16") ? "bfloat16" : name.hasSuffix("f16") || name.hasSuffix("sharded")
      ? "float16" : "float32"))
    // Halves stay halves, F16 and BF16 alike (linear layers and the token embeddings): half the memory, the same
    // values.
    let layers = model.text.encoder.layers + model.vision.encoder.layers
    #expect(layers.allSatisfy {
      [$0.attention.qkv.rest, $0.attention.output, $0.mlp.fc1.rest, $0.mlp.fc2].allSatisfy(\.holdsHalves)
    })
    #expect(model.vision.patchEmbedding.holdsHalves && model.text.projection.holdsHalves)
    guard case .halves(_, let format) = model.text.tokenEmbedding.storage else {
      Issue.record("\(name): token embeddings widened")
      return
    }
    #expect(format == (name.hasSuffix("bf16") ? .bfloat16 : .binary16))
    let text = model.text.embed(tokenIDs: try TestFixtures.inputs().tokenIDs)
    let images = model.vision.embed(pixelTensors: try TestFixtures.pixelTensors())
    #expect(TestFixtures.maxAbsDifference(text, reference.textEmbeds) <= Self.tolerance)
    #expect(TestFixtures.maxAbsDifference(images, reference.imageEmbeds) <= Self.tolerance)
  }

  /// tiny-clip's weights under another config: gelu activations, the legacy argmax pooling rule, and
  /// `*_config_dict` overriding `*_config` (whose wrong values would otherwise change shapes or results).
  @Test(arguments: ["gelu", "legacy-eos", "config-dict"])
  func configVariantMatchesTransformers(_ name: String) throws {
    let config = try Data(contentsOf: TestFixtures.directory.appendingPathComponent("configs/\(name).json"))
    let directory = try TestFixtures.temporaryCheckpoint([
      "config.json": config, "model.safetensors": try TestFixtures.tinyFile("model.safetensors"),
    ])
    defer { TestFixtures.remove(directory) }
    let model = try CLIPModel(directory: directory)
    let reference = try TestFixtures.reference(name)
    let text = model.text.embed(tokenIDs: try TestFixtures.inputs().tokenIDs)
    let images = model.vision.embed(pixelTensors: try TestFixtures.pixelTensors())
    #expect(TestFixtures.maxAbsDifference(text, reference.textEmbeds) <= Self.tolerance)
    #expect(TestFixtures.maxAbsDifference(images, reference.imageEmbeds) <= Self.tolerance)
  }

  /// The variants differ from tiny-clip where they should, so the tests above can tell them apart.
  @Test func variantReferencesAreDiscriminating() throws {
    let base = try TestFixtures.reference("tiny-clip")
    let gelu = try TestFixtures.reference("gelu")
    #expect(TestFixtures.maxAbsDifference(base.textEmbeds, gelu.textEmbeds) > 1e-3)
    #expect(TestFixtures.maxAbsDifference(base.imageEmbeds, gelu.imageEmbeds) > 1e-3)
    #expect(try TestFixtures.reference("legacy-eos").pooling == "argmax")
    #expect(base.pooling == "first_eos")
    // Text 5 holds token 2 before its end token: pooling at the first 2 would give another embedding.
    let ids = try TestFixtures.inputs().tokenIDs[5]
    var legacy = CLIPTextConfig()
    legacy.eosTokenID = 2
    #expect(legacy.pooledPosition(ids) == ids.count - 1)
    #expect(ids.firstIndex(of: 2)! < ids.count - 1)
  }
}
