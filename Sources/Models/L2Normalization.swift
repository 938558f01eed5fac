/// `vector / ‖vector‖₂`, what `transformers` does before comparing embeddings; the one normalization of the
/// project (encode results and zero-shot scores alike). The norm is accumulated in double precision; a zero
/// vector is returned unchanged rather than divided by zero.
public func l2Normalized(_ vector: [Float]) -> [Float] {
  let norm = Float(vector.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot())
  guard norm > 0 else { return vector }
  return vector.map { $0 / norm }
}
