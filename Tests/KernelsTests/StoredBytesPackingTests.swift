import Foundation
import Testing
@testable import Kernels

/// `LinearWeights(float32Blocks:)`, which packs straight from a checkpoint's little-endian bytes, against the
/// packing of the same weights as floats: every packed float (padding included) and every output agree.
@Suite struct StoredBytesPackingTests {
  /// The little-endian binary32 bytes of `values`, starting `offset` bytes into the `Data`'s storage so that
  /// unaligned tensors (a header whose length is not a multiple of 4) are covered.
  static func bytes(_ values: [Float], offset: Int) -> Data {
    var data = Data(repeating: 0xAB, count: offset)
    for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
    return data[offset...]
  }

  @Test(arguments: [(1, 1), (17, 5), (40, 70), (3 * 33, 300)])
  func packsTheSamePanelsAsFloats(out: Int, inFeatures: Int) {
    var random = Random(11)
    let w = random.floats(out * inFeatures), bias = random.floats(out)
    let expected = LinearWeights(weight: w, bias: bias, outFeatures: out, inFeatures: inFeatures)
    let layer = LinearWeights(float32Blocks: [Self.bytes(w, offset: 1)], bias: bias, inFeatures: inFeatures)
    #expect(layer.outFeatures == out && layer.inFeatures == inFeatures)
    let count = PackedPanels.panelCount(out) * inFeatures * PackedPanels.panelWidth
    #expect(Array(UnsafeBufferPointer(start: layer.packed.storage, count: count))
            == Array(UnsafeBufferPointer(start: expected.packed.storage, count: count)))
  }

  /// Blocks stack along the output dimension, as the fused query/key/value projection needs.
  @Test func blocksStackAlongTheOutputs() {
    var random = Random(12)
    let width = 20, blocks = (0..<3).map { _ in random.floats(width * width) }
    let fused = LinearWeights(float32Blocks: blocks.enumerated().map { Self.bytes($1, offset: $0) }, bias: nil,
                              inFeatures: width)
    let x = random.matrix(7, width)
    let expected = LinearWeights(weight: blocks.flatMap { $0 }, bias: nil, outFeatures: 3 * width, inFeatures: width)
    #expect(fused.outFeatures == 3 * width)
    #expect(linear(x, fused).scalars == linear(x, expected).scalars)
  }
}
