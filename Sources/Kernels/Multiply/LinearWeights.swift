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
  /// `Wᵀ` in panels: `inFeatures` deep, at least `firstOutput + outFeatures` wide.
  let panels: WeightPanels
  /// The first of the panels' outputs that this layer computes (a multiple of the panel width; nonzero for a
  /// layer restricted to some of its outputs).
  let firstOutput: Int

  /// The panels as the multiply reads them, from `firstOutput` on; valid while `panels` lives.
  var source: PanelSource { panels.source(firstPanel: firstOutput / PackedPanels.panelWidth, width: outFeatures) }

  /// Whether the weights are held as 16-bit floats (a half-precision checkpoint's, at their stored size).
  public var holdsHalves: Bool { if case .float16 = panels { true } else { false } }

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
    firstOutput = 0
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
    case .int8(let quantized): (quantized.depth, quantized.width)
    }
    self.bias = bias
    self.panels = panels
    firstOutput = 0
  }

  /// What the first output of `outputs(_:)` must be a multiple of: the panel width.
  package static let outputAlignment = PackedPanels.panelWidth

  /// The same layer computing only the outputs `range` (`range.lowerBound` a multiple of 16): a view of the same
  /// panels, whose outputs are exactly those of the whole layer.
  package func outputs(_ range: Range<Int>) -> LinearWeights {
    precondition(range.lowerBound >= 0 && range.upperBound <= outFeatures
                 && range.lowerBound % Self.outputAlignment == 0,
                 "LinearWeights: outputs \(range) of \(outFeatures), not starting at a panel")
    return LinearWeights(slice: self, range)
  }

  private init(slice layer: LinearWeights, _ range: Range<Int>) {
    inFeatures = layer.inFeatures
    outFeatures = range.count
    bias = layer.bias.map { Array($0[range]) }
    panels = layer.panels
    firstOutput = layer.firstOutput + range.lowerBound
  }

  /// `W[output, input]`, read back from the packed panels (for the reference loops and tests).
  package func weight(output: Int, input: Int) -> Float {
    switch panels {
    case .float32(let packed): packed.element(input, firstOutput + output)
    case .float16(let halves): halves.element(input, firstOutput + output)
    case .int8(let quantized): quantized.element(input, firstOutput + output)
    }
  }
}

/// A linear layer's packed `Wᵀ`: floats, a half-precision checkpoint's halves (binary16 or bfloat16), or int8
/// (`LinearPrecision.int8`, multiplied by `Int8Gemm`).
enum WeightPanels: Sendable {
  case float32(PackedPanels)
  case float16(HalfPanels)
  case int8(Int8Panels)

  /// `width` columns of the panels from panel `firstPanel` on, as the multiply reads them; valid while `self`
  /// lives.
  func source(firstPanel: Int, width: Int) -> PanelSource {
    switch self {
    case .float32(let packed):
      .float32(PanelsView(base: UnsafePointer(packed.panel(firstPanel)), depth: packed.depth, width: width))
    case .float16(let halves):
      .float16(HalfPanelsView(base: halves.panel(firstPanel), depth: halves.depth, width: width,
                              format: halves.format))
    case .int8:
      preconditionFailure("WeightPanels: int8 panels are multiplied by Int8Gemm, not read as a PanelSource")
    }
  }
}
