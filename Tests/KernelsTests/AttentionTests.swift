import Testing
import Kernels

/// Attention (packed per-head multiplies, batched over sequences) against the reference loop.
@Suite struct AttentionTests {
  static let shapes = [(tokens: 1, heads: 1, headDim: 4), (7, 2, 5), (50, 12, 64), (77, 8, 64), (20, 3, 17)]

  @Test(arguments: [false, true])
  func matchesReference(causal: Bool) {
    var random = Random(causal ? 1 : 2)
    for (t, heads, d) in Self.shapes {
      let q = random.matrix(t, heads * d), k = random.matrix(t, heads * d), v = random.matrix(t, heads * d)
      expectClose(attention(query: q, key: k, value: v, heads: heads, causal: causal),
                  Reference.attention(query: q, key: k, value: v, heads: heads, causal: causal),
                  bound: Matrix(rows: t, columns: heads * d, repeating: 1), relative: 2e-6,
                  "attention t=\(t) heads=\(heads) d=\(d) causal=\(causal)")
    }
  }

  /// Sequences of different lengths in one batch give exactly what each gives alone; rows between
  /// sequences come out zero.
  @Test(arguments: [false, true])
  func batchedSequencesEqualSeparateCalls(causal: Bool) {
    var random = Random(8)
    let heads = 4, d = 16, width = heads * d
    let q = random.matrix(140, width), k = random.matrix(140, width), v = random.matrix(140, width)
    let sequences = [0 ..< 50, 50 ..< 127, 130 ..< 140]
    let batched = attention(query: q, key: k, value: v, heads: heads, causal: causal, sequences: sequences)
    for s in sequences {
      let alone = attention(query: q.rows(s), key: k.rows(s), value: v.rows(s), heads: heads, causal: causal)
      #expect(batched.rows(s) == alone, "sequence \(s)")
    }
    #expect(batched.rows(127 ..< 130).scalars.allSatisfy { $0 == 0 })
  }

  @Test func fusedQKVEqualsSeparateInputs() {
    var random = Random(12)
    let heads = 2, width = 2 * 24, t = 33
    let q = random.matrix(t, width), k = random.matrix(t, width), v = random.matrix(t, width)
    var fused = Matrix(rows: t, columns: 3 * width)
    for r in 0..<t {
      for c in 0..<width { fused[r, c] = q[r, c]; fused[r, width + c] = k[r, c]; fused[r, 2 * width + c] = v[r, c] }
    }
    let sequences = [0 ..< 10, 10 ..< 33]
    #expect(attention(qkv: fused, heads: heads, causal: true, sequences: sequences)
            == attention(query: q, key: k, value: v, heads: heads, causal: true, sequences: sequences))
  }
}
