import Foundation

/// Image–text scores as `CLIPModel` computes `logits_per_image`, and the zero-shot probabilities over them.
public enum CLIPSimilarity {
  /// `v / ‖v‖`; a zero vector stays zero.
  public static func normalized(_ v: [Float]) -> [Float] {
    let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return norm > 0 ? v.map { $0 / norm } : v
  }

  /// `logitScale × cos(image, text)` for each text: one row of `logits_per_image`.
  ///
  /// - Precondition: every text embedding has the image embedding's width.
  public static func logitsPerImage(image: [Float], texts: [[Float]], logitScale: Float) -> [Float] {
    let i = normalized(image)
    return texts.map { text in
      precondition(text.count == image.count, "logitsPerImage: text of \(text.count) for image of \(image.count)")
      let t = normalized(text)
      var dot: Float = 0
      for k in i.indices { dot += i[k] * t[k] }
      return dot * logitScale
    }
  }

  /// The softmax of `logitsPerImage`: the zero-shot label probabilities (`logits_per_image.softmax(dim=1)`).
  public static func zeroShotProbabilities(image: [Float], texts: [[Float]], logitScale: Float) -> [Float] {
    softmax(logitsPerImage(image: image, texts: texts, logitScale: logitScale))
  }

  /// A numerically stable softmax.
  public static func softmax(_ logits: [Float]) -> [Float] {
    guard let top = logits.max() else { return [] }
    let e = logits.map { Foundation.exp($0 - top) }
    let sum = e.reduce(0, +)
    return e.map { $0 / sum }
  }
}
