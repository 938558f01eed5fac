/// The cosine similarity of two vectors of equal length, summed in `Double`: how the parity and fidelity tests
/// compare an embedding with its reference (lowest cosine over a set, as the issues state their targets).
public func cosineSimilarity<Scalar: BinaryFloatingPoint>(_ a: [Scalar], _ b: [Scalar]) -> Double {
  precondition(a.count == b.count, "cosineSimilarity: \(a.count) against \(b.count) values")
  var dot = 0.0, normA = 0.0, normB = 0.0
  for (x, y) in zip(a, b) {
    let (x, y) = (Double(x), Double(y))
    dot += x * y
    normA += x * x
    normB += y * y
  }
  return dot / (normA * normB).squareRoot()
}
