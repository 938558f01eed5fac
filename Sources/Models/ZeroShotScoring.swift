import Foundation


/// How a family's zero-shot pipeline scores an image against label texts, from raw (unnormalized) embeddings:
/// `logitScale × cos(image, text)` for each text (one row of `logits_per_image`), then the family's function.
public enum ZeroShotScoring: Equatable, Sendable {
  /// CLIP: the softmax over the labels (`logits_per_image.softmax(dim=-1)`); the scores sum to 1.
  case softmax(logitScale: Float)
  /// SigLIP: each label on its own, `sigmoid(logit + logitBias)`; the scores need not sum to 1.
  case sigmoid(logitScale: Float, logitBias: Float)

  /// `exp(logit_scale)`, the factor applied to cosine similarities.
  public var logitScale: Float {
    switch self {
    case let .softmax(scale), let .sigmoid(scale, _): scale
    }
  }

  /// `logitScale × cos(image, text)` for each text.
  ///
  /// - Precondition: every text embedding has the image embedding's width.
  public func logits(image: [Float], texts: [[Float]]) -> [Float] {
    let i = l2Normalized(image)
    return texts.map { text in
      precondition(text.count == image.count, "logits: text of \(text.count) for image of \(image.count)")
      let t = l2Normalized(text)
      var dot: Float = 0
      for k in i.indices { dot += i[k] * t[k] }
      return dot * logitScale
    }
  }

  /// The pipeline's score of each text, in text order.
  public func scores(image: [Float], texts: [[Float]]) -> [Float] {
    let logits = logits(image: image, texts: texts)
    switch self {
    case .softmax:
      guard let top = logits.max() else { return [] }
      let e = logits.map { Foundation.exp($0 - top) }
      let sum = e.reduce(0, +)
      return e.map { $0 / sum }
    case let .sigmoid(_, bias):
      return logits.map { 1 / (1 + Foundation.exp(-($0 + bias))) }
    }
  }
}
