/// The taps of a one-dimensional resampling filter in fixed point, one set per output position: output `i`
/// reads `tapCount[i]` consecutive inputs from `firstInput[i]`, weighted by
/// `weights[i * stride ..< i * stride + tapCount[i]]`, integers scaled by 2^`precisionBits`.
///
/// This is the coefficient table of Pillow's 8-bit resampling (`normalize_coeffs_8bpc`); the convolutions
/// that apply it are `convolveHorizontalRGB8` and `convolveVertical8`.
public struct FixedPointTaps: Sendable, Equatable {
  /// Fraction bits: 8 bits of result plus 2 bits of headroom in a 32-bit accumulator, because negative lobes make
  /// partial sums leave [0, 1].
  public static let precisionBits: Int32 = 22
  /// The rounding bias every accumulator starts from (one half in fixed point).
  public static let half: Int32 = 1 << (precisionBits - 1)

  /// First input index for each output position.
  public let firstInput: [Int]
  /// Number of taps for each output position.
  public let tapCount: [Int]
  /// `outputCount * stride` weights; the ones past an output's `tapCount` are not read.
  public let weights: [Int32]
  /// Row stride of `weights`: the most taps any output can have.
  public let stride: Int
  /// One past the last input index any output reads (0 when there are no outputs).
  public let inputEnd: Int

  /// - Precondition: `firstInput` and `tapCount` have the same length, every first input is >= 0, every tap
  ///   count is in `0...stride`, and `weights.count == firstInput.count * stride`. The weights must keep
  ///   255 · Σ|w| below 2^31 for every output (true of every normalized Pillow kernel).
  public init(firstInput: [Int], tapCount: [Int], weights: [Int32], stride: Int) {
    precondition(firstInput.count == tapCount.count && stride >= 0 && weights.count == firstInput.count * stride,
                 "FixedPointTaps: \(firstInput.count) outputs, \(tapCount.count) counts, \(weights.count) weights")
    var end = 0
    for (first, count) in zip(firstInput, tapCount) {
      precondition(first >= 0 && count >= 0 && count <= stride, "FixedPointTaps: taps \(first)+\(count)/\(stride)")
      end = max(end, first + count)
    }
    self.firstInput = firstInput
    self.tapCount = tapCount
    self.weights = weights
    self.stride = stride
    self.inputEnd = end
  }

  /// The number of output positions.
  public var outputCount: Int { firstInput.count }

  /// The same taps reading input `i + offset` where these read `i`.
  ///
  /// - Precondition: every shifted first input is >= 0.
  public func shifted(by offset: Int) -> FixedPointTaps {
    FixedPointTaps(firstInput: firstInput.map { $0 + offset }, tapCount: tapCount, weights: weights, stride: stride)
  }
}

/// Pillow's `clip8`: drop the fraction bits of a fixed-point sum and saturate to a byte.
@inline(__always)
func clip8(_ sum: Int32) -> UInt8 {
  let value = sum >> FixedPointTaps.precisionBits
  return value < 0 ? 0 : value > 255 ? 255 : UInt8(truncatingIfNeeded: value)
}
