import Foundation

extension LinearWeights {
  /// Packs a PyTorch-layout weight (`weight[o * inFeatures + i]`) held at `precision`:
  /// - `.float32`: as `init(weight:bias:outFeatures:inFeatures:)`, the same panels;
  /// - `.bfloat16`: each weight rounded to bfloat16 (to nearest, ties to even), kept as halves;
  /// - `.int8`: quantized symmetric per output channel (`Int8Panels`), the activations quantized per row at each
  ///   call. Run `precision.requireAcceleration()` first to refuse the slow fallback on CPUs without VNNI.
  ///
  /// The bias stays `Float` in every precision. `arena` serves the panels as in `init(float32Blocks:…)`.
  ///
  /// - Precondition: `weight.count == outFeatures * inFeatures`; for `.int8`, `1 <= inFeatures <= 65536`.
  /// - Complexity: O(`outFeatures * inFeatures`); call once per layer at load time.
  public init(quantizing weight: [Float], bias: [Float]?, outFeatures: Int, inFeatures: Int,
              precision: LinearPrecision, arena: WeightArena? = nil) {
    precondition(outFeatures >= 0 && inFeatures >= 0, "LinearWeights: negative shape [\(outFeatures), \(inFeatures)]")
    precondition(weight.count == outFeatures * inFeatures,
                 "LinearWeights: \(weight.count) weights for [\(outFeatures), \(inFeatures)]")
    precondition(bias == nil || bias!.count == outFeatures,
                 "LinearWeights: bias of \(bias!.count) for \(outFeatures) outputs")
    switch precision {
    case .float32:
      self.init(weight: weight, bias: bias, outFeatures: outFeatures, inFeatures: inFeatures)
    case .bfloat16:
      let w = PackedPanels.panelWidth
      let halves = HalfPanels(depth: inFeatures, width: outFeatures, format: .bfloat16, arena: arena) { storage in
        weight.withUnsafeBufferPointer { weight in
          for panel in 0..<PackedPanels.panelCount(outFeatures) {
            let out = storage + panel * inFeatures * w
            for k in 0..<inFeatures {
              for c in 0..<w {
                let o = panel * w + c
                out[k * w + c] = o < outFeatures ? bfloat16Bits(weight[o * inFeatures + k]) : 0
              }
            }
          }
        }
      }
      self.init(panels: .float16(halves), bias: bias)
    case .int8:
      let panels = weight.withUnsafeBufferPointer {
        Int8Panels(quantizing: $0, width: outFeatures, depth: inFeatures, arena: arena)
      }
      self.init(panels: .int8(panels), bias: bias)
    }
  }

  /// How the weights are held: `.bfloat16` for bfloat16 halves (rounded here, or a BF16 checkpoint's own),
  /// `.int8` for quantized ones, else `.float32` (a binary16 checkpoint's halves widen exactly to its floats).
  public var precision: LinearPrecision {
    switch panels {
    case .float32: .float32
    case .float16(let halves): halves.format == .bfloat16 ? .bfloat16 : .float32
    case .int8: .int8
    }
  }
}

extension LinearWeights {
  /// For an int8 layer, `W[output, input]`'s integer and its output's scale (the weight is their product); nil
  /// for other precisions. For tests and the reference loops.
  package func quantized(output: Int, input: Int) -> (value: Int8, scale: Float)? {
    guard case .int8(let panels) = self.panels else { return nil }
    return (panels.quantized(input, firstOutput + output), panels.columnScales[firstOutput + output])
  }
}

/// `value` rounded to bfloat16 (to nearest, ties to even), as bits; NaN stays a (quiet) NaN.
@inline(__always)
package func bfloat16Bits(_ value: Float) -> UInt16 {
  let bits = value.bitPattern
  if value.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x40 }
  return UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
}

extension LinearWeights {
  /// `init(float32Blocks:bias:inFeatures:arena:)` held at `precision`: the stored floats as they are for `.float32`,
  /// rounded in place for `.bfloat16` (`init(roundingFloat32Blocks:…)`), and for `.int8` copied into one temporary
  /// `[Float]` (the layer's size, freed on return) and quantized as `init(quantizing:…)` does.
  ///
  /// - Precondition: as `init(float32Blocks:…)`.
  public init(float32Blocks blocks: [Data], bias: [Float]?, inFeatures: Int, precision: LinearPrecision,
              arena: WeightArena? = nil) {
    switch precision {
    case .float32:
      self.init(float32Blocks: blocks, bias: bias, inFeatures: inFeatures, arena: arena)
      return
    case .bfloat16:
      self.init(roundingFloat32Blocks: blocks, bias: bias, inFeatures: inFeatures, arena: arena)
      return
    case .int8:
      break
    }
    let weight = storedFloats(blocks, elementBytes: 4, inFeatures: inFeatures) { bytes, count, out in
      for i in 0..<count {
        out[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
      }
    }
    self.init(quantizing: weight, bias: bias, outFeatures: weight.count / inFeatures, inFeatures: inFeatures,
              precision: precision, arena: arena)
  }

  /// `init(halfBlocks:format:bias:inFeatures:arena:)` held at `precision`. A bfloat16 checkpoint at `.bfloat16`,
  /// and any half checkpoint at `.float32`, keep their stored halves (no widening at all); otherwise the halves are
  /// widened (exactly) into one temporary `[Float]` and packed as `init(quantizing:…)` packs them.
  ///
  /// - Precondition: as `init(halfBlocks:…)`.
  public init(halfBlocks blocks: [Data], format: HalfFormat, bias: [Float]?, inFeatures: Int,
              precision: LinearPrecision, arena: WeightArena? = nil) {
    if precision == .float32 || (precision == .bfloat16 && format == .bfloat16) {
      self.init(halfBlocks: blocks, format: format, bias: bias, inFeatures: inFeatures, arena: arena)
      return
    }
    let weight = storedFloats(blocks, elementBytes: 2, inFeatures: inFeatures) { bytes, count, out in
      var halves = [UInt16](repeating: 0, count: count)
      for i in 0..<count {
        halves[i] = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
      }
      halves.withUnsafeBufferPointer { widenHalves($0.baseAddress!, count: count, format: format, into: out) }
    }
    self.init(quantizing: weight, bias: bias, outFeatures: weight.count / inFeatures, inFeatures: inFeatures,
              precision: precision, arena: arena)
  }
}

/// The weights of `blocks` (whole rows of `inFeatures` elements of `elementBytes` bytes, stacked) as floats, each
/// block converted by `convert(bytes, count, into)`.
private func storedFloats(_ blocks: [Data], elementBytes: Int, inFeatures: Int,
                          convert: (UnsafeRawPointer, Int, UnsafeMutablePointer<Float>) -> Void) -> [Float] {
  precondition(inFeatures > 0, "LinearWeights: \(inFeatures) input features")
  for block in blocks {
    precondition(block.count % (inFeatures * elementBytes) == 0,
                 "LinearWeights: \(block.count) bytes for rows of \(inFeatures) \(elementBytes)-byte weights")
  }
  let total = blocks.reduce(0) { $0 + $1.count / elementBytes }
  return [Float](writingAll: total) { out in
    var offset = 0
    for block in blocks where block.count > 0 {
      let count = block.count / elementBytes
      block.withUnsafeBytes { convert($0.baseAddress!, count, out + offset) }
      offset += count
    }
  }
}
