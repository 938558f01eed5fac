import Testing
@testable import Transformer

/// `LayerNorm.outlierChannels`: the channels a norm amplifies far above the median (as trained transformers' norms
/// do, random ones not), at most a 64th of them (8 at least), the largest first.
@Suite struct OutlierChannelsTests {
  /// Gains `1 + 0.2 n` and biases `0.2 n` as the random fixtures draw them (n roughly normal), deterministic.
  static func randomNorm(width: Int) -> (weight: [Float], bias: [Float]) {
    var state: UInt64 = 12345
    func normal() -> Float {
      var sum: Float = 0
      for _ in 0..<12 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        sum += Float(state >> 40) / Float(1 << 24)
      }
      return sum - 6
    }
    return ((0..<width).map { _ in 1 + 0.2 * normal() }, (0..<width).map { _ in 0.2 * normal() })
  }

  @Test func aRandomNormHasNone() {
    let (weight, bias) = Self.randomNorm(width: 768)
    #expect(LayerNorm(weight: weight, bias: bias, epsilon: 1e-5).outlierChannels == [])
  }

  @Test func largeGainsOrBiasesAreOutliers() {
    var (weight, bias) = Self.randomNorm(width: 768)
    weight[636] *= 100
    weight[114] *= -20  // a negative gain amplifies as much
    bias[277] = 35
    weight[501] = 6.5  // not 6 times the median (about 1.2)
    #expect(LayerNorm(weight: weight, bias: bias, epsilon: 1e-5).outlierChannels == [114, 277, 636])
  }

  @Test func atMostTheLargestShareAreTaken() {
    let (randomWeight, bias) = Self.randomNorm(width: 768)
    var weight = randomWeight
    for c in 0..<40 { weight[c * 19] = Float(20 + c) }
    // 768 / 64 = 12: the 12 largest, channels 28 * 19 ..< 40 * 19, ascending.
    #expect(LayerNorm(weight: weight, bias: bias, epsilon: 1e-5).outlierChannels == (28..<40).map { $0 * 19 })
    let (smallWeight, smallBias) = Self.randomNorm(width: 48)
    var small = smallWeight
    for c in 0..<10 { small[c] = 50 + Float(c) }
    #expect(LayerNorm(weight: small, bias: smallBias, epsilon: 1e-5).outlierChannels == Array(2..<10))
  }
}
