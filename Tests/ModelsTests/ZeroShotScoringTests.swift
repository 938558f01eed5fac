import Foundation
import Models
import Testing

/// The score functions against a plain double-precision re-implementation of the pipeline's formulas.
@Suite(.timeLimit(.minutes(5))) struct ZeroShotScoringTests {
  let image: [Float] = [0.3, -1.2, 2.0, 0.5]
  let texts: [[Float]] = [[1, 0, 2, 0], [-0.5, -1, 1.5, 2], [0, 0, 0, 1], [3, 1, -2, 0.25]]

  /// `scale · cos(image, text)` in doubles.
  private func logits(scale: Double) -> [Double] {
    func norm(_ v: [Float]) -> Double { v.map { Double($0) * Double($0) }.reduce(0, +).squareRoot() }
    return texts.map { text in
      scale * zip(image, text).map { Double($0) * Double($1) }.reduce(0, +) / (norm(image) * norm(text))
    }
  }

  @Test func softmaxIsThePipelinesSoftmaxOverScaledCosines() {
    let scores = ZeroShotScoring.softmax(logitScale: 100).scores(image: image, texts: texts)
    let l = logits(scale: 100), top = l.max()!
    let e = l.map { Foundation.exp($0 - top) }
    let expected = e.map { $0 / e.reduce(0, +) }
    #expect(scores.count == texts.count)
    for (score, reference) in zip(scores, expected) { #expect(abs(Double(score) - reference) < 1e-6) }
  }

  @Test func sigmoidScoresEachLabelOnItsOwnWithTheBias() {
    let scores = ZeroShotScoring.sigmoid(logitScale: 10, logitBias: -3).scores(image: image, texts: texts)
    let expected = logits(scale: 10).map { 1 / (1 + Foundation.exp(-($0 - 3))) }
    for (score, reference) in zip(scores, expected) { #expect(abs(Double(score) - reference) < 1e-6) }
    #expect(abs(scores.reduce(0, +) - 1) > 0.01, "sigmoid scores are not a distribution")
  }

  @Test func aZeroVectorScoresZeroCosineRatherThanNaN() {
    let scores = ZeroShotScoring.softmax(logitScale: 100).scores(image: [0, 0, 0, 0], texts: texts)
    #expect(scores.allSatisfy { abs($0 - 0.25) < 1e-7 })
  }
}
