import Foundation
import Testing
@testable import Kernels

/// `WeightArena`: layers packed side by side compute what layers with their own memory compute, and the memory
/// lives as long as any layer taken from it.
@Suite(.timeLimit(.minutes(5))) struct WeightArenaTests {
  @Test func slicesAreAlignedAndDisjoint() {
    let arena = WeightArena()
    let sizes = [1, 64, 100, 4096, 3 << 20, 7]
    let starts = sizes.map { arena.allocate(byteCount: $0) }
    for (start, size) in zip(starts, sizes) {
      #expect(Int(bitPattern: start) % 64 == 0)
      start.initializeMemory(as: UInt8.self, repeating: 0x5A, count: size)
    }
    for (i, (start, size)) in zip(starts, sizes).enumerated() {
      for (other, otherSize) in zip(starts, sizes).dropFirst(i + 1) {
        #expect(start + size <= other || other + otherSize <= start, "slices \(i) overlap")
      }
    }
  }

  /// A request larger than a region gets a region of its own; the next small one still fits somewhere valid.
  @Test func largeRequestsGetTheirOwnRegion() {
    let arena = WeightArena()
    let small = arena.allocate(byteCount: 128)
    let large = arena.allocate(byteCount: WeightArena.regionBytes + 1)
    #expect(Int(bitPattern: large) % PackedPanels.hugePage == 0)
    #expect(large != small)
    large.storeBytes(of: 1, toByteOffset: WeightArena.regionBytes, as: UInt8.self)
    let after = arena.allocate(byteCount: 64)
    #expect(after >= large + WeightArena.regionBytes + 1 || after + 64 <= large)
  }

  @Test(arguments: [false, true])
  func layersInAnArenaComputeAsLayersAlone(halves: Bool) {
    var random = Random(31)
    let x = random.matrix(7, 40)
    let (layers, expected): ([LinearWeights], [LinearWeights]) = {
      let arena = WeightArena()
      var inArena: [LinearWeights] = [], alone: [LinearWeights] = []
      for out in [3, 16, 70] {
        let bias = random.floats(out)
        if halves {
          let (bytes, _) = StoredBytesPackingTests.halves(out * 40, format: .binary16, random: &random, offset: 0)
          inArena.append(LinearWeights(halfBlocks: [bytes], format: .binary16, bias: bias, inFeatures: 40,
                                       arena: arena))
          alone.append(LinearWeights(halfBlocks: [bytes], format: .binary16, bias: bias, inFeatures: 40))
        } else {
          let bytes = StoredBytesPackingTests.bytes(random.floats(out * 40), offset: 0)
          inArena.append(LinearWeights(float32Blocks: [bytes], bias: bias, inFeatures: 40, arena: arena))
          alone.append(LinearWeights(float32Blocks: [bytes], bias: bias, inFeatures: 40))
        }
      }
      return (inArena, alone)
    }()
    // The arena itself is out of scope here: the layers keep its memory alive.
    for (layer, reference) in zip(layers, expected) {
      #expect(linear(x, layer, activation: .quickGELU).scalars == linear(x, reference, activation: .quickGELU).scalars)
    }
  }
}
