import Foundation
import Testing
@testable import Kernels

/// `LinearWeights(float32Blocks:)`, which packs straight from a checkpoint's little-endian bytes, against the
/// packing of the same weights as floats: every packed float (padding included) and every output agree.
@Suite(.timeLimit(.minutes(5))) struct StoredBytesPackingTests {
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
    #expect(Self.packedFloats(layer, count: count) == Self.packedFloats(expected, count: count))
  }

  /// Rounding stored binary32 bytes to bfloat16 in place gives the halves (padding included) that rounding the
  /// same weights as floats gives, for unaligned blocks stacked along the outputs.
  @Test(arguments: [(1, 1), (17, 5), (40, 70), (3 * 33, 300)])
  func roundsStoredBytesAsFloatsRound(out: Int, inFeatures: Int) {
    var random = Random(13)
    let w = random.floats(out * inFeatures), bias = random.floats(out)
    let expected = LinearWeights(quantizing: w, bias: bias, outFeatures: out, inFeatures: inFeatures,
                                 precision: .bfloat16)
    let split = (out / 3) * inFeatures
    let blocks = [Self.bytes(Array(w[..<split]), offset: 1), Self.bytes(Array(w[split...]), offset: 3)]
    let layer = LinearWeights(float32Blocks: blocks, bias: bias, inFeatures: inFeatures, precision: .bfloat16)
    #expect(layer.precision == .bfloat16 && layer.outFeatures == out && layer.inFeatures == inFeatures)
    let count = PackedPanels.panelCount(out) * inFeatures * PackedPanels.panelWidth
    guard case .float16(let halves) = layer.panels, case .float16(let reference) = expected.panels else {
      Issue.record("not halves")
      return
    }
    #expect(Array(UnsafeBufferPointer(start: halves.storage, count: count))
            == Array(UnsafeBufferPointer(start: reference.storage, count: count)))
    let x = random.matrix(5, inFeatures)
    #expect(linear(x, layer).scalars == linear(x, expected).scalars)
  }

  static func packedFloats(_ layer: LinearWeights, count: Int) -> [Float] {
    guard case .float32(let packed) = layer.panels else { return [] }
    return Array(UnsafeBufferPointer(start: packed.storage, count: count))
  }

  /// The little-endian bytes of `count` random 16-bit floats of `format` (finite; binary16 subnormals among them),
  /// and their values.
  static func halves(_ count: Int, format: HalfFormat, random: inout Random, offset: Int) -> (bytes: Data, values: [Float]) {
    var data = Data(repeating: 0xCD, count: offset)
    var values: [Float] = []
    for i in 0..<count {
      var bits: UInt16
      switch format {
      case .binary16:
        // Mostly normal numbers of a weight's size; every 13th a subnormal, every 29th a zero of either sign.
        bits = UInt16(truncatingIfNeeded: random.state >> 17) & 0x83FF | 0x2C00
        if i % 13 == 0 { bits &= 0x83FF }
      case .bfloat16:
        // Sign, exponents around 2⁻⁴, all 7 mantissa bits.
        bits = UInt16(truncatingIfNeeded: random.state >> 17) & 0x80FF | 0x3D00
      }
      if i % 29 == 0 { bits &= 0x8000 }
      _ = random.float()
      withUnsafeBytes(of: bits.littleEndian) { data.append(contentsOf: $0) }
      let stored = Data([UInt8(bits & 0xFF), UInt8(bits >> 8)])
      values.append(format == .binary16 ? widenFloat16(stored)[0] : widenBFloat16(stored)[0])
    }
    return (data[offset...], values)
  }

  /// Halves kept as halves give, through every path of the multiply (1 to 3 rows two panels at a time, row blocks,
  /// depth blocks, column blocks, a narrow last panel, bias, activation and residual), exactly the outputs of the
  /// same weights widened to floats at packing time.
  @Test(arguments: [HalfFormat.binary16, .bfloat16],
        [(1, 1, 1), (2, 40, 70), (3, 33, 300), (7, 24, 800), (50, 520, 384), (113, 300, 1000)])
  func halvesMultiplyAsTheirFloats(format: HalfFormat, shape: (rows: Int, out: Int, inFeatures: Int)) {
    let (rows, out, inFeatures) = shape
    var random = Random(UInt64(rows * 1_000 + out))
    let (bytes, values) = Self.halves(out * inFeatures, format: format, random: &random, offset: out % 2)
    let bias = random.floats(out)
    let layer = LinearWeights(halfBlocks: [bytes], format: format, bias: bias, inFeatures: inFeatures)
    let expected = LinearWeights(weight: values, bias: bias, outFeatures: out, inFeatures: inFeatures)
    #expect(layer.holdsHalves && !expected.holdsHalves)
    #expect(layer.outFeatures == out && layer.inFeatures == inFeatures)
    #expect(layer.weight(output: out - 1, input: inFeatures - 1) == values[out * inFeatures - 1])
    let x = random.matrix(rows, inFeatures), residual = random.matrix(rows, out)
    for threads in [1, 2] {
      KernelThreads.withCount(threads) {
        #expect(linear(x, layer).scalars == linear(x, expected).scalars, "\(format), \(threads) threads")
        #expect(linear(x, layer, activation: .quickGELU, adding: residual).scalars
                == linear(x, expected, activation: .quickGELU, adding: residual).scalars, "\(threads) threads")
      }
    }
  }

  /// A layer restricted to some of its outputs (the query, or the keys and values, of a fused projection) gives
  /// exactly those columns of the whole layer, for floats and halves, through the one-row and many-row paths.
  @Test(arguments: [nil, HalfFormat.binary16, .bfloat16])
  func outputSlicesAreColumnsOfTheWholeLayer(format: HalfFormat?) {
    var random = Random(21)
    let width = 48, out = 3 * width, inFeatures = 40
    let (bytes, values) = Self.halves(out * inFeatures, format: format ?? .binary16, random: &random, offset: 0)
    let bias = random.floats(out)
    let layer = if let format {
      LinearWeights(halfBlocks: [bytes], format: format, bias: bias, inFeatures: inFeatures)
    } else {
      LinearWeights(weight: values, bias: bias, outFeatures: out, inFeatures: inFeatures)
    }
    for rows in [1, 2, 13] {
      let x = random.matrix(rows, inFeatures), whole = linear(x, layer, activation: .quickGELU)
      for range in [0 ..< width, width ..< out, 16 ..< 61, 32 ..< 32] {
        let slice = layer.outputs(range)
        #expect(slice.outFeatures == range.count && slice.inFeatures == inFeatures && slice.bias! == Array(bias[range]))
        let part = linear(x, slice, activation: .quickGELU)
        for r in 0..<rows {
          #expect(Array(part.row(r)) == Array(Array(whole.row(r))[range]), "rows \(rows), outputs \(range), row \(r)")
        }
        if !range.isEmpty {
          #expect(slice.weight(output: range.count - 1, input: 3)
                  == layer.weight(output: range.upperBound - 1, input: 3))
        }
      }
    }
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
