import Foundation

extension LinearWeights {
  /// Packs a weight stored as little-endian binary32 bytes, read in place — a memory-mapped checkpoint's
  /// tensors, with no `[Float]` copy of them in between. `blocks` are `[rows, inFeatures]` PyTorch-layout
  /// matrices stacked along the output dimension (one block for a plain layer; query, key and value for a
  /// fused projection), so `outFeatures` is their total row count.
  ///
  /// The panels are packed on `KernelThreads.count` threads, into `arena` when given (a model's layers side by
  /// side); the values are the same as `init(weight:bias:outFeatures:inFeatures:)` gives for the widened floats.
  ///
  /// - Precondition: each block holds a whole number of `inFeatures * 4`-byte rows; `bias` has one value per
  ///   row.
  /// - Complexity: O(`outFeatures * inFeatures`); call once per layer at load time.
  public init(float32Blocks blocks: [Data], bias: [Float]?, inFeatures: Int, arena: WeightArena? = nil) {
    let packed = withWeightRows(blocks, elementBytes: 4, elements: "floats", inFeatures: inFeatures, bias: bias) {
      rows in
      PackedPanels(depth: inFeatures, width: rows.count, arena: arena) { storage in
        // The binary32 bit patterns, copied as words into the floats' storage.
        storage.withMemoryRebound(to: UInt32.self, capacity: PackedPanels.panelCount(rows.count) * inFeatures
                                  * PackedPanels.panelWidth) { words in
          packPanels(rows: rows, depth: inFeatures, into: words)
        }
      }
    }
    self.init(panels: .float32(packed), bias: bias)
  }

  /// Packs a weight stored as little-endian 16-bit floats of `format`, read in place, as halves: the layer then
  /// holds half the memory its widened floats would, and the multiply widens a block at a time (exactly, so outputs
  /// are bit for bit those of `init(weight:…)` on the widened values). Blocks stack, and `arena` serves, as in
  /// `init(float32Blocks:…)`.
  ///
  /// - Precondition: each block holds a whole number of `inFeatures * 2`-byte rows; `bias` has one value per
  ///   row.
  /// - Complexity: O(`outFeatures * inFeatures`); call once per layer at load time.
  public init(halfBlocks blocks: [Data], format: HalfFormat, bias: [Float]?, inFeatures: Int,
              arena: WeightArena? = nil) {
    let halves = withWeightRows(blocks, elementBytes: 2, elements: "halves", inFeatures: inFeatures, bias: bias) {
      rows in
      HalfPanels(depth: inFeatures, width: rows.count, format: format, arena: arena) { storage in
        packPanels(rows: rows, depth: inFeatures, into: storage)
      }
    }
    self.init(panels: .float16(halves), bias: bias)
  }

  /// Packs a weight stored as little-endian binary32 bytes, read in place, as bfloat16 halves (`bfloat16Bits`:
  /// to nearest, ties to even): the same panels as `init(quantizing:…precision: .bfloat16)` on the widened floats,
  /// without that `[Float]` copy of the layer, which at load time held a layer's F32 size (9 MB for a ViT-B/32
  /// MLP weight, 16 MB for ViT-L/14's) on top of the checkpoint's pages. Blocks stack, and `arena` serves, as in
  /// `init(float32Blocks:…)`.
  ///
  /// - Precondition: each block holds a whole number of `inFeatures * 4`-byte rows; `bias` has one value per
  ///   row.
  init(roundingFloat32Blocks blocks: [Data], bias: [Float]?, inFeatures: Int, arena: WeightArena? = nil) {
    let halves = withWeightRows(blocks, elementBytes: 4, elements: "floats", inFeatures: inFeatures, bias: bias) {
      rows in
      HalfPanels(depth: inFeatures, width: rows.count, format: .bfloat16, arena: arena) { storage in
        packPanels(rows: rows, depth: inFeatures, into: storage) { (bits: UInt32) in
          bfloat16Bits(Float(bitPattern: bits))
        }
      }
    }
    self.init(panels: .float16(halves), bias: bias)
  }
}

/// Checks that `blocks` hold whole rows of `inFeatures` elements of `elementBytes` bytes and that `bias` has one
/// value per row, then runs `body` with the start of every weight row (every column of `Wᵀ`) across the blocks,
/// all valid at once.
private func withWeightRows<R>(_ blocks: [Data], elementBytes: Int, elements: String, inFeatures: Int,
                               bias: [Float]?, _ body: (UnsafeBufferPointer<UnsafeRawPointer>) -> R) -> R {
  precondition(inFeatures > 0, "LinearWeights: \(inFeatures) input features")
  let rowBytes = inFeatures * elementBytes
  for block in blocks {
    precondition(block.count % rowBytes == 0, "LinearWeights: \(block.count) bytes for rows of \(inFeatures) \(elements)")
  }
  let outFeatures = blocks.reduce(0) { $0 + $1.count / rowBytes }
  precondition(bias == nil || bias!.count == outFeatures,
               "LinearWeights: bias of \(bias!.count) for \(outFeatures) outputs")
  return withRawBuffers(blocks[...], []) { buffers in
    var rows: [UnsafeRawPointer] = []
    rows.reserveCapacity(outFeatures)
    for buffer in buffers where buffer.count > 0 {
      for row in 0..<buffer.count / rowBytes { rows.append(buffer.baseAddress! + row * rowBytes) }
    }
    return rows.withUnsafeBufferPointer(body)
  }
}

/// Runs `body` with the bytes of every `Data` in `rest` appended to `buffers`, all valid at once.
private func withRawBuffers<R>(_ rest: ArraySlice<Data>, _ buffers: [UnsafeRawBufferPointer],
                               _ body: ([UnsafeRawBufferPointer]) -> R) -> R {
  guard let first = rest.first else { return body(buffers) }
  return first.withUnsafeBytes { withRawBuffers(rest.dropFirst(), buffers + [$0], body) }
}

/// Writes every panel of `Wᵀ` (`panelCount(rows.count) * depth * 16` words, the last panel padded with zeros)
/// from the little-endian `Word` rows of `W`, one panel per item on `KernelThreads.count` threads.
private func packPanels<Word: FixedWidthInteger>(rows: UnsafeBufferPointer<UnsafeRawPointer>, depth: Int,
                                                 into storage: UnsafeMutablePointer<Word>) {
  packPanels(rows: rows, depth: depth, into: storage) { (word: Word) in word }
}

/// `packPanels` writing `convert` of each stored `Stored` word (little-endian) instead of the word itself.
private func packPanels<Stored: FixedWidthInteger, Word: FixedWidthInteger>(
  rows: UnsafeBufferPointer<UnsafeRawPointer>, depth: Int, into storage: UnsafeMutablePointer<Word>,
  convert: (Stored) -> Word
) {
  parallelFor(items: PackedPanels.panelCount(rows.count), threads: KernelThreads.count) { panel in
    packPanel(panel, rows: rows, depth: depth, into: storage, convert: convert)
  }
}

/// Writes panel `panel` of `Wᵀ`, in tiles of 16 rows × 16 inputs: each row contributes one run of 16 words per
/// tile and each tile's output is 16 contiguous runs, so the transpose happens in L1 while both the rows and the
/// panel are walked front to back. (A function of its own: written inside `packPanels`' closure, reading its
/// captures, the loop took a third longer.)
@inline(__always)
private func packPanel<Stored: FixedWidthInteger, Word: FixedWidthInteger>(
  _ panel: Int, rows: UnsafeBufferPointer<UnsafeRawPointer>, depth: Int, into storage: UnsafeMutablePointer<Word>,
  convert: (Stored) -> Word
) {
  let w = PackedPanels.panelWidth, size = MemoryLayout<Stored>.size
  let first = panel * w
  let columns = min(w, rows.count - first)
  let out = storage + panel * depth * w
  var k0 = 0
  while k0 < depth {
    let tile = min(w, depth - k0)
    for c in 0..<columns {
      let row = rows[first + c] + k0 &* size
      for k in 0..<tile {
        out[(k0 &+ k) &* w &+ c] = convert(Stored(littleEndian: row.loadUnaligned(fromByteOffset: k &* size,
                                                                                  as: Stored.self)))
      }
    }
    for c in columns..<w {
      for k in 0..<tile { out[(k0 &+ k) &* w &+ c] = 0 }
    }
    k0 += tile
  }
}
