// Outlier input channels of an int8 layer, multiplied in F32 beside the int8 product of the rest (the
// decomposition of Dettmers et al., "LLM.int8()", 2022, with the channels chosen once at load).
//
// Trained transformers carry a few hidden channels at 20-100x the others' magnitude in the input of every q/k/v
// projection and first MLP layer (the layer norm before them amplifies them). Quantizing such a row to int8 with one
// scale spends the scale on those channels: every other channel is left a few integer levels (measured on a ViT-B/32
// with 4 such channels per tower, Tests/CLIPTests/Fixtures/make_outlier_checkpoint.py: lowest cosine against F32
// 0.9648 images / 0.9156 texts, top label right 8 of 32). With those channels taken out of the row before it is
// quantized and multiplied in F32 by their own (unquantized) weight columns, the rest quantizes nearly as well as a
// checkpoint without outliers does (0.99971 / 0.99960, 31 of 32; the random checkpoint: 0.99979 / 0.99965). A
// SmoothQuant-style migration of the channels' scale into the weights, folded through the layer norm at load, was
// measured too (simulated): 0.99966 / 0.99938, and 0.9949 / 0.9910 when the residual stream carries the outliers
// (the split: 0.99959 / 0.99978).

/// A linear layer whose input channels `channels` are multiplied in F32 and the others at the layer's precision:
/// `y = x[:, rest] · W[:, rest]ᵀ (int8) + x[:, channels] · W[:, channels]ᵀ (F32) + b`, then the activation and
/// the residual, as `linear` does. Without channels it is just the layer (`linear` then calls the plain one).
public struct SplitLinearWeights: Sendable {
  /// The layer with the columns of `channels` zero (so that they count in no output's quantization scale), and the
  /// bias.
  public let rest: LinearWeights
  /// The input channels split off, ascending; empty for a plain layer.
  public let channels: [Int]
  /// `W[:, channels]` in F32, `[outFeatures, channels.count]`, no bias; nil when `channels` is empty.
  let outliers: LinearWeights?

  /// A plain layer, nothing split off.
  public init(_ layer: LinearWeights) {
    rest = layer
    channels = []
    outliers = nil
  }

  /// Packs a PyTorch-layout weight (`weight[o * inFeatures + i]`) at `precision` with the input channels `channels`
  /// held apart in F32. With no channels this is `LinearWeights(quantizing:…)`.
  ///
  /// - Precondition: as `LinearWeights(quantizing:…)`; `channels` ascending, distinct, in `0 ..< inFeatures`.
  /// - Complexity: O(`outFeatures * inFeatures`); call once per layer at load time.
  public init(quantizing weight: [Float], bias: [Float]?, outFeatures: Int, inFeatures: Int, splitting channels: [Int],
              precision: LinearPrecision, arena: WeightArena? = nil) {
    precondition(zip(channels, channels.dropFirst()).allSatisfy { $0 < $1 }
                 && channels.allSatisfy { (0..<inFeatures).contains($0) },
                 "SplitLinearWeights: channels \(channels) of \(inFeatures) not ascending inputs")
    precondition(weight.count == outFeatures * inFeatures,
                 "SplitLinearWeights: \(weight.count) weights for [\(outFeatures), \(inFeatures)]")
    guard !channels.isEmpty else {
      self.init(LinearWeights(quantizing: weight, bias: bias, outFeatures: outFeatures, inFeatures: inFeatures,
                              precision: precision, arena: arena))
      return
    }
    var remaining = weight
    var split = [Float](repeating: 0, count: outFeatures * channels.count)
    for o in 0..<outFeatures {
      for (i, channel) in channels.enumerated() {
        split[o * channels.count + i] = weight[o * inFeatures + channel]
        remaining[o * inFeatures + channel] = 0
      }
    }
    self.init(rest: LinearWeights(quantizing: remaining, bias: bias, outFeatures: outFeatures, inFeatures: inFeatures,
                                  precision: precision, arena: arena),
              channels: channels,
              outliers: LinearWeights(weight: split, bias: nil, outFeatures: outFeatures, inFeatures: channels.count))
  }

  private init(rest: LinearWeights, channels: [Int], outliers: LinearWeights?) {
    (self.rest, self.channels, self.outliers) = (rest, channels, outliers)
  }

  public var inFeatures: Int { rest.inFeatures }
  public var outFeatures: Int { rest.outFeatures }
  /// The precision of the product of the channels not split off.
  public var precision: LinearPrecision { rest.precision }

  /// The same layer computing only the outputs `range`; see `LinearWeights.outputs(_:)`.
  package func outputs(_ range: Range<Int>) -> SplitLinearWeights {
    SplitLinearWeights(rest: rest.outputs(range), channels: channels, outliers: outliers?.outputs(range))
  }

  /// `W[output, input]` as the layer computes with it (for tests).
  package func weight(output: Int, input: Int) -> Float {
    if let outliers, let i = channels.firstIndex(of: input) { return outliers.weight(output: output, input: i) }
    return rest.weight(output: output, input: input)
  }
}

/// `linear(_:_:activation:adding:)` of a layer with input channels split off: the rows copied with those channels
/// zeroed go through the layer's own multiply (the bias and, as its residual, the F32 product of the channels split
/// off in its epilogue); the activation, when there is one, and the residual follow in one pass.
///
/// - Precondition: `x.columns == layer.inFeatures`; `residual` has the output's shape.
/// - Complexity: that of `linear` on the layer, plus O(`x.rows * layer.outFeatures * (layer.channels.count + 1)`).
public func linear(_ x: Matrix, _ layer: SplitLinearWeights, activation: Activation = .identity,
                   adding residual: Matrix? = nil) -> Matrix {
  guard let outliers = layer.outliers else { return linear(x, layer.rest, activation: activation, adding: residual) }
  precondition(x.columns == layer.inFeatures, "linear: input \(x.shape) for \(layer.inFeatures) features")
  let count = layer.channels.count
  var zeroed = x.scalars
  var split = [Float](repeating: 0, count: x.rows * count)
  zeroed.withUnsafeMutableBufferPointer { zeroed in
    split.withUnsafeMutableBufferPointer { split in
      layer.channels.withUnsafeBufferPointer { channels in
        for r in 0..<x.rows {
          let row = zeroed.baseAddress! + r * x.columns, out = split.baseAddress! + r * count
          for i in 0..<count {
            out[i] = row[channels[i]]
            row[channels[i]] = 0
          }
        }
      }
    }
  }
  let rest = Matrix(rows: x.rows, columns: x.columns, scalars: zeroed)
  let channels = Matrix(rows: x.rows, columns: count, scalars: split)
  if activation == .identity {
    return linear(rest, layer.rest, adding: linear(channels, outliers, adding: residual))
  }
  var y = linear(rest, layer.rest, adding: linear(channels, outliers))
  activate(&y.scalars, activation, adding: residual?.scalars)
  return y
}

/// `x = activation(x) + residual`, elementwise, with the epilogue's vector formulas.
private func activate(_ x: inout [Float], _ activation: Activation, adding residual: [Float]?) {
  precondition(residual == nil || residual!.count == x.count, "activate: residual of \(residual!.count) for \(x.count)")
  let count = x.count
  x.withUnsafeMutableBufferPointer { x in
    withOptionalBuffer(residual) { residual in
      let out = x.start
      var i = 0
      while i < count {
        let n = min(8, count - i)
        var v = vactivate(n == 8 ? load8(out + i) : loadPartial(out + i, n), activation)
        if let residual { v += n == 8 ? load8(residual + i) : loadPartial(residual + i, n) }
        if n == 8 { store8(v, out + i) } else { storePartial(v, out + i, n) }
        i += 8
      }
    }
  }
}
