/// Multi-head scaled dot-product attention over one sequence.
///
/// `query`, `key` and `value` are `[tokens, heads * headDim]`; head `h` uses columns
/// `h * headDim ..< (h + 1) * headDim`. Scores are scaled by `1 / sqrt(headDim)`; with `causal`, token `i`
/// attends to tokens `0...i` only. Returns `[tokens, heads * headDim]` with the heads side by side.
public func attention(query: Matrix, key: Matrix, value: Matrix, heads: Int, causal: Bool) -> Matrix {
  attention(query: query, key: key, value: value, heads: heads, causal: causal, sequences: [0 ..< query.rows])
}

/// Attention over several sequences stacked in the rows of one batch: rows `sequences[i]` attend to each
/// other only. Sequences may differ in length (no padding needed); rows outside every sequence come out 0.
/// Each (sequence, head) pair is an independent pair of small packed multiplies, shared out between threads.
///
/// - Precondition: `query`, `key` and `value` have one shape, `heads` divides its columns, and `sequences` are
///   ascending, non-overlapping ranges of rows.
public func attention(query: Matrix, key: Matrix, value: Matrix, heads: Int, causal: Bool,
                      sequences: [Range<Int>]) -> Matrix {
  precondition(query.shape == key.shape && key.shape == value.shape,
               "attention: q \(query.shape) k \(key.shape) v \(value.shape)")
  checkAttention(rows: query.rows, width: query.columns, heads: heads, sequences: sequences)
  let width = query.columns
  return query.scalars.withUnsafeBufferPointer { q in
    key.scalars.withUnsafeBufferPointer { k in
      value.scalars.withUnsafeBufferPointer { v in
        attentionCore(rows: query.rows, width: width, q: q.start, k: k.start, v: v.start, stride: width,
                      heads: heads, causal: causal, sequences: sequences)
      }
    }
  }
}

/// Attention reading query, key and value from one fused projection `qkv = [q | k | v]`
/// (`[tokens, 3 * heads * headDim]`, as `linear` with the three weights concatenated produces), so the
/// projection output is never split into three copies. Otherwise as
/// `attention(query:key:value:heads:causal:sequences:)`; returns `[tokens, heads * headDim]`.
public func attention(qkv: Matrix, heads: Int, causal: Bool, sequences: [Range<Int>]) -> Matrix {
  precondition(qkv.columns % 3 == 0, "attention: fused qkv of \(qkv.columns) columns is not [q | k | v]")
  let width = qkv.columns / 3
  checkAttention(rows: qkv.rows, width: width, heads: heads, sequences: sequences)
  return qkv.scalars.withUnsafeBufferPointer { fused in
    let base = fused.start
    return attentionCore(rows: qkv.rows, width: width, q: base, k: base + width, v: base + 2 * width,
                         stride: qkv.columns, heads: heads, causal: causal, sequences: sequences)
  }
}

/// Causal attention over the sequences of a prefix tree, reading a fused `qkv = [q | k | v]` projection: row
/// `r` attends to itself and its ancestors in `tree`. Each row's result is exactly (bit for bit) what it gets
/// in causal `attention(qkv:heads:causal:sequences:)` over any one sequence that contains it, stored contiguously;
/// rows shared by several sequences are computed once. Returns `[tokens, heads * headDim]`.
///
/// - Precondition: `tree.count == qkv.rows`, and `heads` divides a third of the columns.
public func attention(qkv: Matrix, heads: Int, tree: PrefixTree) -> Matrix {
  precondition(qkv.columns % 3 == 0, "attention: fused qkv of \(qkv.columns) columns is not [q | k | v]")
  precondition(tree.count == qkv.rows, "attention: prefix tree of \(tree.count) rows for \(qkv.rows) tokens")
  let width = qkv.columns / 3
  checkAttention(rows: qkv.rows, width: width, heads: heads, sequences: [])
  return qkv.scalars.withUnsafeBufferPointer { fused in
    let base = fused.start
    return treeAttentionCore(rows: qkv.rows, width: width, q: base, k: base + width, v: base + 2 * width,
                             stride: qkv.columns, heads: heads, paths: tree.paths())
  }
}

/// Non-causal attention for a few query rows only, the rows a pooled output needs: `queries` row `i` is the
/// query of batch row `rows[i]`, which attends to every row of the sequence (of `sequences`) that contains it;
/// keys and values come from a fused `kv = [k | v]` (`[tokens, 2 * heads * headDim]`). Row `i` of the result
/// (`[rows.count, heads * headDim]`) is exactly (bit for bit) row `rows[i]` of
/// `attention(qkv:heads:causal: false, sequences:)` over the whole batch: each score and output element sees the
/// same row and column at the same depths whatever the number of query rows.
///
/// - Precondition: `queries` is `[rows.count, kv.columns / 2]`, `heads` divides its columns, and each of `rows`
///   lies in one of `sequences` (ascending, disjoint ranges of `kv`'s rows).
public func attention(queries: Matrix, rows: [Int], kv: Matrix, heads: Int, sequences: [Range<Int>]) -> Matrix {
  precondition(kv.columns % 2 == 0, "attention: fused kv of \(kv.columns) columns is not [k | v]")
  let width = kv.columns / 2
  precondition(queries.shape == [rows.count, width],
               "attention: queries \(queries.shape) for \(rows.count) rows of \(width)")
  checkAttention(rows: kv.rows, width: width, heads: heads, sequences: sequences)
  let owners = rows.map { row in
    guard let sequence = sequences.first(where: { $0.contains(row) }) else {
      preconditionFailure("attention: query row \(row) is in none of the sequences \(sequences)")
    }
    return sequence
  }
  let d = width / heads
  let scale = 1 / Float(d).squareRoot()
  return queries.scalars.withUnsafeBufferPointer { q in
    kv.scalars.withUnsafeBufferPointer { fused in
      let k = fused.start, v = fused.start + width
      return eachHead(rows: rows.count, width: width, heads: heads, items: rows.count,
                      longest: owners.map(\.count).max() ?? 0, gathering: false, unwritten: [],
                      work: owners.reduce(0) { $0 + $1.count } * width * 2) { item, scratch, out in
        let i = item / heads, head = item % heads, sequence = owners[i]
        let offset = sequence.lowerBound * kv.columns + head * d
        scratch.attend(queries: 1, q.start + i * width + head * d, queryStride: width, keys: sequence.count,
                       k + offset, v + offset, stride: kv.columns, headDim: d, scale: scale,
                       into: out + i * width + head * d, outputStride: width) { _ in sequence.count }
      }
    }
  }
}

private func checkAttention(rows: Int, width: Int, heads: Int, sequences: [Range<Int>]) {
  precondition(heads > 0 && width % heads == 0, "attention: \(width) columns for \(heads) heads")
  var end = 0
  for sequence in sequences {
    precondition(sequence.lowerBound >= end && sequence.upperBound <= rows,
                 "attention: sequences \(sequences) are not ascending disjoint ranges of \(rows) rows")
    end = sequence.upperBound
  }
}

/// q, k, v: row-major with `stride` floats per row; `width = heads * headDim` columns each.
private func attentionCore(rows: Int, width: Int, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
                           v: UnsafePointer<Float>, stride: Int, heads: Int, causal: Bool,
                           sequences: [Range<Int>]) -> Matrix {
  let d = width / heads
  let scale = 1 / Float(d).squareRoot()
  let items = sequences.filter { !$0.isEmpty }
  // Rows before, between and after the sequences: no item writes them.
  let bounds = [0] + items.flatMap { [$0.lowerBound, $0.upperBound] } + [rows]
  let unwritten = Swift.stride(from: 0, to: bounds.count, by: 2).map { bounds[$0] ..< bounds[$0 + 1] }
  return eachHead(rows: rows, width: width, heads: heads, items: items.count,
                  longest: items.map(\.count).max() ?? 0, gathering: false, unwritten: unwritten,
                  work: items.reduce(0) { $0 + $1.count * $1.count } * width * 2) { item, scratch, out in
    let sequence = items[item / heads], head = item % heads
    let t = sequence.count
    let offset = sequence.lowerBound * stride + head * d
    scratch.attend(queries: t, q + offset, queryStride: stride, keys: t, k + offset, v + offset, stride: stride,
                   headDim: d, scale: scale, into: out + sequence.lowerBound * width + head * d,
                   outputStride: width) { i in causal ? i + 1 : t }
  }
}

/// The prefix-tree form of `attentionCore`: for each (path, head), the path's keys and values are gathered and
/// attended to as one causal sequence by the queries of the rows the path owns. The multiplies see the same rows
/// of A and columns of B, at the same depths, as causal `attentionCore` over the path would (scores beyond a
/// row's position are zeros in both), so the results are identical.
private func treeAttentionCore(rows: Int, width: Int, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
                               v: UnsafePointer<Float>, stride: Int, heads: Int,
                               paths: [(rows: [Int], owned: [Int])]) -> Matrix {
  let d = width / heads
  let scale = 1 / Float(d).squareRoot()
  var written = [Bool](repeating: false, count: rows)
  for path in paths { for position in path.owned { written[path.rows[position]] = true } }
  let unwritten = written.indices.filter { !written[$0] }.map { $0 ..< $0 + 1 }
  return eachHead(rows: rows, width: width, heads: heads, items: paths.count,
                  longest: paths.map(\.rows.count).max() ?? 0, gathering: true, unwritten: unwritten,
                  work: paths.reduce(0) { $0 + $1.owned.count * $1.rows.count } * width * 2) { item, scratch, out in
    let path = paths[item / heads], head = item % heads
    let t = path.rows.count, owned = path.owned.count
    guard owned > 0 else { return }
    let (keys, values, queries, results) = scratch.gathered
    for (position, row) in path.rows.enumerated() {
      (keys + position * d).update(from: k + row * stride + head * d, count: d)
      (values + position * d).update(from: v + row * stride + head * d, count: d)
    }
    for (index, position) in path.owned.enumerated() {
      (queries + index * d).update(from: q + path.rows[position] * stride + head * d, count: d)
    }
    scratch.attend(queries: owned, queries, queryStride: d, keys: t, keys, values, stride: d, headDim: d,
                   scale: scale, into: results, outputStride: d) { path.owned[$0] + 1 }
    for (index, position) in path.owned.enumerated() {
      (out + path.rows[position] * width + head * d).update(from: results + index * d, count: d)
    }
  }
}

/// The output of attention over `items` sequences × `heads` heads, with `body(item, scratch, output)` run for
/// each (sequence, head) item (`item / heads`, `item % heads`): a few parts per thread, handed out as threads
/// free up (see Gemm), each part with its scratch allocated once; one thread below `Gemm.parallelThreshold`
/// multiply-adds of `work`. The items write every row but those of `unwritten`, which are zeroed: zeroing the
/// whole output first took ~30 us per batch-1 image layer (a fresh 150 KB from memory), on one thread.
private func eachHead(rows: Int, width: Int, heads: Int, items: Int, longest: Int, gathering: Bool,
                      unwritten: [Range<Int>], work: Int,
                      _ body: (Int, HeadScratch, UnsafeMutablePointer<Float>) -> Void) -> Matrix {
  let pairs = items * heads
  let threads = work < Gemm.parallelThreshold ? 1 : KernelThreads.count
  // As for the multiplies, one part per thread for few rows (a batch-1 image, a few labels): each part allocates
  // its scratch, and there four parts per thread made a batch-1 image 0.3-0.5% slower.
  let parts = min((Gemm.isFewRows(rows, kernel: .best) ? 1 : 4) * threads, pairs)
  let scalars = [Float](writingAll: rows * width) { out in
    for range in unwritten where !range.isEmpty {
      (out + range.lowerBound * width).initialize(repeating: 0, count: range.count * width)
    }
    parallelFor(items: parts, threads: threads) { part in
      let scratch = HeadScratch(longest: longest, headDim: width / heads, gathering: gathering)
      defer { scratch.deallocate() }
      for item in Gemm.split(pairs, into: parts, part: part) { body(item, scratch, out) }
    }
  }
  return Matrix(rows: rows, columns: width, scalars: scalars)
}

/// One thread's scratch for attending one head of one sequence at a time: its keys and values in panels, and the
/// score matrix, for sequences of up to `longest` tokens; with `gathering`, room for a prefix-tree path's keys,
/// values, queries and results gathered from scattered rows.
private struct HeadScratch {
  let keyPanels: UnsafeMutablePointer<Float>
  let valuePanels: UnsafeMutablePointer<Float>
  let scores: UnsafeMutablePointer<Float>
  private let gatheredStorage: UnsafeMutablePointer<Float>?
  private let gatheredRows: Int
  private let headDim: Int

  init(longest: Int, headDim d: Int, gathering: Bool) {
    keyPanels = allocateFloats(PackedPanels.panelCount(longest) * PackedPanels.panelWidth * d)
    valuePanels = allocateFloats(PackedPanels.panelCount(d) * PackedPanels.panelWidth * longest)
    scores = allocateFloats(longest * longest)
    gatheredStorage = gathering ? allocateFloats(4 * longest * d) : nil
    (gatheredRows, headDim) = (longest, d)
  }

  /// Keys, values, queries and results, `longest × headDim` each (only with `gathering`).
  var gathered: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
                 UnsafeMutablePointer<Float>) {
    let base = gatheredStorage!, size = gatheredRows * headDim
    return (base, base + size, base + 2 * size, base + 3 * size)
  }

  func deallocate() {
    [keyPanels, valuePanels, scores].forEach { $0.deallocate() }
    gatheredStorage?.deallocate()
  }

  /// Output row i = softmax(`scale` · query i · the first `visible(i)` keys) · their values, for `m` query rows
  /// against `t` keys and values (`headDim` floats each, rows `stride` apart), written `outputStride` apart.
  func attend(queries m: Int, _ q: UnsafePointer<Float>, queryStride: Int, keys t: Int, _ k: UnsafePointer<Float>,
              _ v: UnsafePointer<Float>, stride: Int, headDim d: Int, scale: Float,
              into output: UnsafeMutablePointer<Float>, outputStride: Int, visible: (Int) -> Int) {
    // scores = Q · Kᵀ: B[e, j] = K[j, e].
    PackedPanels.pack(depth: d, width: t, from: k, kStride: 1, jStride: stride, into: keyPanels)
    Gemm.compute(m: m, microPanels: 0 ..< Gemm.microPanelCount(rows: m), panels: 0 ..< PackedPanels.panelCount(t),
                 a: q, lda: queryStride, b: PanelsView(base: keyPanels, depth: d, width: t), c: scores, ldc: t,
                 epilogue: .none)
    for i in 0..<m {
      let row = scores + i * t
      let seen = visible(i)
      softmaxRow(row, count: seen, scale: scale)
      for j in seen..<t { row[j] = 0 }
    }
    // out = P · V.
    PackedPanels.pack(depth: t, width: d, from: v, kStride: stride, jStride: 1, into: valuePanels)
    Gemm.compute(m: m, microPanels: 0 ..< Gemm.microPanelCount(rows: m), panels: 0 ..< PackedPanels.panelCount(d),
                 a: scores, lda: t, b: PanelsView(base: valuePanels, depth: t, width: d), c: output,
                 ldc: outputStride, epilogue: .none)
  }
}
