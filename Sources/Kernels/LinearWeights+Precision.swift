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
