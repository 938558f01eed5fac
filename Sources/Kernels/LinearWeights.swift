/// The weights of a linear layer `y = x · Wᵀ + b`, held in the layout the matrix multiply wants.
///
/// Built once at load time from the checkpoint's `[outFeatures, inFeatures]` weight (PyTorch's layout): `Wᵀ`
/// is packed into the microkernel's 16-column panels (see `PackedPanels`), so no multiply repacks it. Weights
/// stored as 16-bit floats may stay halves (`HalfPanels`, half the memory, widened exactly block by block).
/// Fusing layers that read the same input (query, key and value) is a matter of concatenating their weights
/// and biases: `[outFeatures, inFeatures]` matrices stack along the first dimension.
public struct LinearWeights: Sendable {
  /// Width of the input rows.
  public let inFeatures: Int
  /// Width of the output rows.
  public let outFeatures: Int
  /// The bias, `outFeatures` long, if the layer has one.
  public let bias: [Float]?
  /// `Wᵀ` (`inFeatures × outFeatures`) in panels.
  let panels: WeightPanels

  /// Whether the weights are held as 16-bit floats (a half-precision checkpoint's, at their stored size).
  public var holdsHalves: Bool { panels.source.isHalf }

  /// Packs a PyTorch-layout weight (`weight[o * inFeatures + i]`) and optional bias.
  ///
  /// - Complexity: O(`outFeatures * inFeatures`); call once per layer at load time.
  public init(weight: [Float], bias: [Float]?, outFeatures: Int, inFeatures: Int) {
    precondition(outFeatures >= 0 && inFeatures >= 0, "LinearWeights: negative shape [\(outFeatures), \(inFeatures)]")
    precondition(weight.count == outFeatures * inFeatures,
                 "LinearWeights: \(weight.count) weights for [\(outFeatures), \(inFeatures)]")
    precondition(bias == nil || bias!.count == outFeatures,
                 "LinearWeights: bias of \(bias!.count) for \(outFeatures) outputs")
    self.inFeatures = inFeatures
    self.outFeatures = outFeatures
    self.bias = bias
    panels = .float32(weight.withUnsafeBufferPointer { w in
      // Wᵀ[i, o] = weight[o * inFeatures + i].
      PackedPanels(depth: inFeatures, width: outFeatures, source: w, kStride: 1, jStride: inFeatures)
    })
  }

  /// Wraps panels already packed (`depth` inputs, `width` outputs).
  init(panels: WeightPanels, bias: [Float]?) {
    (inFeatures, outFeatures) = switch panels {
    case .float32(let packed): (packed.depth, packed.width)
    case .float16(let halves): (halves.depth, halves.width)
    }
    self.bias = bias
    self.panels = panels
  }

  /// `W[output, input]`, read back from the packed panels (for the reference loops and tests).
  package func weight(output: Int, input: Int) -> Float {
    switch panels {
    case .float32(let packed): packed.element(input, output)
    case .float16(let halves): halves.element(input, output)
    }
  }
}

/// A linear layer's packed `Wᵀ`: floats, or a half-precision checkpoint's halves (binary16 or bfloat16).
enum WeightPanels: Sendable {
  case float32(PackedPanels)
  case float16(HalfPanels)

  /// The panels as the multiply reads them; valid while `self` lives.
  var source: PanelSource {
    switch self {
    case .float32(let packed):
      .float32(PanelsView(base: UnsafePointer(packed.storage), depth: packed.depth, width: packed.width))
    case .float16(let halves):
      .float16(HalfPanelsView(base: UnsafePointer(halves.storage), depth: halves.depth, width: halves.width,
                              format: halves.format))
    }
  }
}
