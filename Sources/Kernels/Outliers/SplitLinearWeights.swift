// Outlier input channels of an int8 layer, multiplied in F32 beside the int8 product of the rest (the
// decomposition of Dettmers et al., "LLM.int8()", 2022, with the channels chosen once at load).
//
// Trained transformers carry a few hidden channels at 20-100x the others' magnitude in the input of every q/k/v
// projection and first MLP layer (the layer norm before them amplifies them). Quantizing such a row to int8 with one
// scale spends the scale on those channels: every other channel is left a few integer levels (measured on a ViT-B/32
// with 4 such channels per tower, Tests/CLIPTests/Fixtures/make_outlier_checkpoint.py: lowest cosine against F32
// 0.9648 images / 0.9156 texts, top label right 8 of 32). With those channels taken out of the row before it is
// quantized and multiplied in F32 by their own (unquantized) weight columns, the rest quantizes nearly as well as a
// checkpoint without outliers does (0.99975 / 0.99960, 31 of 32; the random checkpoint: 0.99979 / 0.99965). A
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
  /// `W[o, channels[i]]` at `outliers[i * stride + o]` (a row per channel: the pass that adds them reads each row
  /// in vectors), for the unsliced layer's `stride` outputs; this layer's first is `firstOutput`.
  let outliers: [Float]
  let stride: Int
  let firstOutput: Int

  /// A plain layer, nothing split off.
  public init(_ layer: LinearWeights) {
    self.init(rest: layer, channels: [], outliers: [], stride: layer.outFeatures, firstOutput: 0)
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
    var split = [Float](repeating: 0, count: channels.count * outFeatures)
    for o in 0..<outFeatures {
      for (i, channel) in channels.enumerated() {
        split[i * outFeatures + o] = weight[o * inFeatures + channel]
        remaining[o * inFeatures + channel] = 0
      }
    }
    self.init(rest: LinearWeights(quantizing: remaining, bias: bias, outFeatures: outFeatures, inFeatures: inFeatures,
                                  precision: precision, arena: arena),
              channels: channels, outliers: split, stride: outFeatures, firstOutput: 0)
  }

  private init(rest: LinearWeights, channels: [Int], outliers: [Float], stride: Int, firstOutput: Int) {
    (self.rest, self.channels, self.outliers, self.stride, self.firstOutput) =
      (rest, channels, outliers, stride, firstOutput)
  }

  public var inFeatures: Int { rest.inFeatures }
  public var outFeatures: Int { rest.outFeatures }
  /// The precision of the product of the channels not split off.
  public var precision: LinearPrecision { rest.precision }

  /// The same layer computing only the outputs `range`; see `LinearWeights.outputs(_:)`.
  package func outputs(_ range: Range<Int>) -> SplitLinearWeights {
    SplitLinearWeights(rest: rest.outputs(range), channels: channels, outliers: outliers, stride: stride,
                       firstOutput: firstOutput + range.lowerBound)
  }

  /// `W[output, input]` as the layer computes with it (for tests).
  package func weight(output: Int, input: Int) -> Float {
    if let i = channels.firstIndex(of: input) { return outliers[i * stride + firstOutput + output] }
    return rest.weight(output: output, input: input)
  }
}

/// `linear(_:_:activation:adding:)` of a layer with input channels split off: the rows copied with those channels
/// zeroed go through the layer's own multiply (with the bias, and the residual when there is no activation), then
/// one pass over the output adds the channels' F32 products (`channels.count` multiply-adds an element, their weight
/// rows in cache) and applies the activation and the residual.
///
/// - Precondition: `x.columns == layer.inFeatures`; `residual` has the output's shape.
/// - Complexity: that of `linear` on the layer, plus O(`x.rows * layer.outFeatures * (layer.channels.count + 1)`).
public func linear(_ x: Matrix, _ layer: SplitLinearWeights, activation: Activation = .identity,
                   adding residual: Matrix? = nil) -> Matrix {
  guard !layer.channels.isEmpty else { return linear(x, layer.rest, activation: activation, adding: residual) }
  precondition(x.columns == layer.inFeatures, "linear: input \(x.shape) for \(layer.inFeatures) features")
  let count = layer.channels.count, n = layer.outFeatures, m = x.rows
  if let residual { precondition(residual.shape == [m, n], "linear: residual \(residual.shape) for output \([m, n])") }
  var zeroed = x.scalars
  var split = [Float](repeating: 0, count: m * count)
  zeroed.withUnsafeMutableBufferPointer { zeroed in
    split.withUnsafeMutableBufferPointer { split in
      layer.channels.withUnsafeBufferPointer { channels in
        for r in 0..<m {
          let row = zeroed.baseAddress! + r * x.columns, out = split.baseAddress! + r * count
          for i in 0..<count {
            out[i] = row[channels[i]]
            row[channels[i]] = 0
          }
        }
      }
    }
  }
  let identity = activation == .identity
  var y = linear(Matrix(rows: m, columns: x.columns, scalars: zeroed), layer.rest,
                 adding: identity ? residual : nil)
  let added = identity ? nil : residual?.scalars
  y.scalars.withUnsafeMutableBufferPointer { y in
    split.withUnsafeBufferPointer { split in
      layer.outliers.withUnsafeBufferPointer { weights in
        withOptionalBuffer(added) { residual in
          let (y, split, weights) = (y.start, split.start, weights.start + layer.firstOutput)
          // One pass over the output, on both threads when it is large enough to pay for the second.
          let parts = m * n >= 1 << 16 ? min(m, KernelThreads.count) : 1
          func pass<F: FixedActivation>(_: F.Type) {
            parallelFor(items: parts, threads: parts) { part in
              for r in Gemm.split(m, into: parts, part: part) {
                addOutliers(y + r * n, width: n, x: split + r * count, count: count, weights: weights,
                            stride: layer.stride, activation: F.self, residual: residual.map { $0 + r * n })
              }
            }
          }
          switch activation {
          case .identity: pass(Gemm.Identity.self)
          case .quickGELU: pass(Gemm.QuickGELU.self)
          case .gelu: pass(Gemm.ErfGELU.self)
          case .geluTanh: pass(Gemm.TanhGELU.self)
          }
        }
      }
    }
  }
  return y
}

/// One output row: `y[j] = activation(y[j] + Σᵢ x[i] · weights[i * stride + j]) + residual[j]`.
@inline(__always)
private func addOutliers<F: FixedActivation>(_ y: UnsafeMutablePointer<Float>, width: Int, x: UnsafePointer<Float>,
                                             count: Int, weights: UnsafePointer<Float>, stride: Int,
                                             activation: F.Type, residual: UnsafePointer<Float>?) {
  // Each channel's row added to the output row (in L1), then the activation and residual: straight vector loops.
  for i in 0..<count {
    let w = weights + i * stride, scale = SIMD8<Float>(repeating: x[i])
    var j = 0
    while j + 8 <= width {
      store8(load8(y + j).addingProduct(scale, load8(w + j)), y + j)
      j += 8
    }
    while j < width {
      y[j] += x[i] * w[j]
      j += 1
    }
  }
  var j = 0
  while j + 8 <= width {
    var v = F.apply(load8(y + j))
    if let residual { v += load8(residual + j) }
    store8(v, y + j)
    j += 8
  }
  if j < width {
    let lanes = width - j
    var v = F.apply(loadPartial(y + j, lanes))
    if let residual { v += loadPartial(residual + j, lanes) }
    storePartial(v, y + j, lanes)
  }
}
