/// The weights of a linear layer `y = x · Wᵀ + b`, held in the layout the matrix multiply wants.
///
/// Built once at load time from the checkpoint's `[outFeatures, inFeatures]` weight (PyTorch's layout).
public struct LinearWeights: Sendable {
  /// Width of the input rows.
  public let inFeatures: Int
  /// Width of the output rows.
  public let outFeatures: Int
  /// The bias, `outFeatures` long, if the layer has one.
  public let bias: [Float]?
  /// `W` transposed to `[inFeatures, outFeatures]`, row-major.
  @usableFromInline let transposedWeight: [Float]

  /// Packs a PyTorch-layout weight (`weight[o * inFeatures + i]`) and optional bias.
  public init(weight: [Float], bias: [Float]?, outFeatures: Int, inFeatures: Int) {
    precondition(weight.count == outFeatures * inFeatures,
                 "LinearWeights: \(weight.count) weights for [\(outFeatures), \(inFeatures)]")
    precondition(bias == nil || bias!.count == outFeatures,
                 "LinearWeights: bias of \(bias!.count) for \(outFeatures) outputs")
    self.inFeatures = inFeatures
    self.outFeatures = outFeatures
    self.bias = bias
    var t = [Float](repeating: 0, count: weight.count)
    for o in 0..<outFeatures {
      for i in 0..<inFeatures { t[i * outFeatures + o] = weight[o * inFeatures + i] }
    }
    self.transposedWeight = t
  }
}
