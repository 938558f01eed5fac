import Kernels

/// The fixed-point convolution weights of one resampling pass along one axis, as Pillow computes them
/// (`precompute_coeffs` then `normalize_coeffs_8bpc` in libImaging/Resample.c), for a contiguous range of
/// output positions only.
///
/// Each output position's taps depend on nothing but its own index, so computing a sub-range gives
/// exactly the weights Pillow computes for those positions over the whole axis. That is what lets the
/// image processor resample only the pixels that survive the center crop.
struct AxisCoefficients {
  /// Output positions covered, in the coordinates of the full output axis.
  let outputs: Range<Int>
  /// The taps of the covered positions, first inputs in the coordinates of the full input axis; the stride is
  /// Pillow's `ksize`, weights are scaled by 2^22 and rounded away from zero, unused taps zero.
  let taps: FixedPointTaps

  /// - Precondition: `inputSize`, `outputSize` > 0; `outputs` within `0..<outputSize`; `filter` is not
  ///   `.nearest`.
  init(inputSize: Int, outputSize: Int, filter: ResamplingFilter, outputs: Range<Int>) {
    precondition(inputSize > 0 && outputSize > 0, "AxisCoefficients: sizes \(inputSize) → \(outputSize)")
    precondition(outputs.lowerBound >= 0 && outputs.upperBound <= outputSize, "AxisCoefficients: \(outputs)")
    // Pillow passes the source box as C floats; `in1 - in0` is the float input size widened to double.
    let scale = Double(Float(inputSize)) / Double(outputSize)
    // Shrinking widens the kernel by the scale factor so that every input pixel contributes.
    let filterScale = max(scale, 1)
    let support = filter.support * filterScale
    let stride = Int(support.rounded(.up)) * 2 + 1
    let inverseFilterScale = 1 / filterScale

    self.outputs = outputs
    var firstInput = [Int](repeating: 0, count: outputs.count)
    var tapCount = [Int](repeating: 0, count: outputs.count)
    var weights = [Int32](repeating: 0, count: outputs.count * stride)
    var taps = [Double](repeating: 0, count: stride)
    let fixedOne = Double(1 << FixedPointTaps.precisionBits)

    for (slot, position) in outputs.enumerated() {
      let center = (Double(position) + 0.5) * scale
      // `(int)` casts in C truncate toward zero; the clamps follow them, as in Pillow.
      let first = max(Int(center - support + 0.5), 0)
      let count = min(Int(center + support + 0.5), inputSize) - first
      assert(count >= 1 && count <= stride, "AxisCoefficients: \(count) taps for stride \(stride)")
      var total = 0.0
      for tap in 0..<count {
        let w = filter.weight((Double(tap + first) - center + 0.5) * inverseFilterScale)
        taps[tap] = w
        total += w
      }
      for tap in 0..<count {
        let w = total != 0 ? taps[tap] / total : taps[tap]
        weights[slot * stride + tap] = w < 0 ? Int32(-0.5 + w * fixedOne) : Int32(0.5 + w * fixedOne)
      }
      firstInput[slot] = first
      tapCount[slot] = count
    }
    self.taps = FixedPointTaps(firstInput: firstInput, tapCount: tapCount, weights: weights, stride: stride)
  }

  /// The input positions read by the covered outputs (Pillow's `ybox_first ..< ybox_last` for the window).
  var inputSpan: Range<Int> {
    (taps.firstInput.min() ?? 0)..<taps.inputEnd
  }
}
