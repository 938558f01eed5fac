import Testing
import Kernels

/// Attention (packed per-head multiplies, batched over sequences) against the reference loop.
@Suite(.timeLimit(.minutes(5))) struct AttentionTests {
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

  /// Sequences of different lengths in one batch give exactly what each gives alone; rows before, between and
  /// after the sequences come out zero.
  @Test(arguments: [false, true])
  func batchedSequencesEqualSeparateCalls(causal: Bool) {
    var random = Random(8)
    let heads = 4, d = 16, width = heads * d
    let q = random.matrix(143, width), k = random.matrix(143, width), v = random.matrix(143, width)
    let sequences = [2 ..< 50, 50 ..< 127, 130 ..< 140]
    // The output is not zeroed before the heads write it: a freed block of NaNs of its size, which the
    // allocator hands out again, shows any row that stays unwritten.
    _ = [Float](repeating: .nan, count: 143 * width).withUnsafeBufferPointer { $0.count }
    let batched = attention(query: q, key: k, value: v, heads: heads, causal: causal, sequences: sequences)
    for s in sequences {
      let alone = attention(query: q.rows(s), key: k.rows(s), value: v.rows(s), heads: heads, causal: causal)
      #expect(batched.rows(s) == alone, "sequence \(s)")
    }
    for gap in [0 ..< 2, 127 ..< 130, 140 ..< 143] {
      #expect(batched.rows(gap).scalars.allSatisfy { $0 == 0 }, "rows \(gap)")
    }
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

  /// Queries for a few rows only (the class tokens of a batch of images) give exactly those rows of full attention.
  @Test func chosenQueryRowsEqualRowsOfFullAttention() {
    var random = Random(13)
    let heads = 3, width = heads * 16, tokens = 60
    let q = random.matrix(tokens, width), k = random.matrix(tokens, width), v = random.matrix(tokens, width)
    let sequences = [0 ..< 7, 7 ..< 57, 57 ..< 58, 59 ..< 60]
    let full = attention(query: q, key: k, value: v, heads: heads, causal: false, sequences: sequences)
    var kv = Matrix(rows: tokens, columns: 2 * width)
    for r in 0..<tokens {
      for c in 0..<width { kv[r, c] = k[r, c]; kv[r, width + c] = v[r, c] }
    }
    for rows in [[0, 7, 57, 59], [30], [56, 3, 8]] {
      var queries = Matrix(rows: rows.count, columns: width)
      for (i, row) in rows.enumerated() { for c in 0..<width { queries[i, c] = q[row, c] } }
      let chosen = attention(queries: queries, rows: rows, kv: kv, heads: heads, sequences: sequences)
      for (i, row) in rows.enumerated() { #expect(Array(chosen.row(i)) == Array(full.row(row)), "row \(row)") }
    }
  }

  /// Fused q, k and v from three matrices, as the text tower's projection lays them out.
  private func fuse(_ q: Matrix, _ k: Matrix, _ v: Matrix) -> Matrix {
    let width = q.columns
    var fused = Matrix(rows: q.rows, columns: 3 * width)
    for r in 0..<q.rows {
      for c in 0..<width { fused[r, c] = q[r, c]; fused[r, width + c] = k[r, c]; fused[r, 2 * width + c] = v[r, c] }
    }
    return fused
  }

  /// Chains are causal sequences: the prefix tree of plain ranges gives causal attention bit for bit.
  @Test func chainsEqualCausalSequences() {
    var random = Random(21)
    let heads = 3, d = 16, rows = 60
    let fused = fuse(random.matrix(rows, heads * d), random.matrix(rows, heads * d), random.matrix(rows, heads * d))
    let sequences = [0 ..< 1, 1 ..< 20, 20 ..< 60]
    #expect(attention(qkv: fused, heads: heads, tree: PrefixTree(chains: sequences, rows: rows))
            == attention(qkv: fused, heads: heads, causal: true, sequences: sequences))
  }

  /// Sequences sharing their beginnings, stored once in a tree, get exactly what each gets as a causal sequence
  /// of its own rows, whether a shared row is computed for one sequence or another, and whether the
  /// sequence ends at a leaf or inside another sequence.
  @Test func sharedBeginningsEqualSeparateSequences() {
    var random = Random(22)
    let heads = 2, d = 24, width = heads * d
    // Rows 0-3 are a shared beginning; 4-6 continue it one way, 7-8 another; 9 continues row 1 only; row 10 is
    // a sequence alone; row 5 ends a sequence that 6 continues.
    let parents: [Int?] = [nil, 0, 1, 2, 3, 4, 5, 3, 7, 1, nil]
    let sequences: [[Int]] = [[0, 1, 2, 3, 4, 5, 6], [0, 1, 2, 3, 7, 8], [0, 1, 9], [10], [0, 1, 2, 3, 4, 5]]
    let q = random.matrix(parents.count, width), k = random.matrix(parents.count, width)
    let v = random.matrix(parents.count, width)
    let tree = attention(qkv: fuse(q, k, v), heads: heads, tree: PrefixTree(parents: parents))
    for rows in sequences {
      func gather(_ m: Matrix) -> Matrix {
        var out = Matrix(rows: rows.count, columns: width)
        for (i, r) in rows.enumerated() { for c in 0..<width { out[i, c] = m[r, c] } }
        return out
      }
      let alone = attention(qkv: fuse(gather(q), gather(k), gather(v)), heads: heads, causal: true,
                            sequences: [0 ..< rows.count])
      #expect(gather(tree) == alone, "sequence \(rows)")
    }
  }
}
