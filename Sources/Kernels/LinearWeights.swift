/// The weights of a linear layer `y = x · Wᵀ + b`, held in the layout the matrix multiply wants.
///
/// Built once at load time from the checkpoint's `[outFeatures, inFeatures]` weight (PyTorch's layout): `Wᵀ`
/// is packed into the microkernel's 16-column panels (see `PackedPanels`), so no multiply repacks it.
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
  let packed: PackedPanels

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
    packed = weight.withUnsafeBufferPointer { w in
      // Wᵀ[i, o] = weight[o * inFeatures + i].
      PackedPanels(depth: inFeatures, width: outFeatures, source: w, kStride: 1, jStride: inFeatures)
    }
  }

  /// Wraps panels already packed (`packed.depth` inputs, `packed.width` outputs).
  init(packed: PackedPanels, bias: [Float]?) {
    inFeatures = packed.depth
    outFeatures = packed.width
    self.bias = bias
    self.packed = packed
  }

  /// `W[output, input]`, read back from the packed panels (for the reference loops and tests).
  package func weight(output: Int, input: Int) -> Float { packed.element(input, output) }
}
