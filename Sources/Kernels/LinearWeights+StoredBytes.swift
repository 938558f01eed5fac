import Foundation

extension LinearWeights {
  /// Packs a weight stored as little-endian binary32 bytes, read in place — a memory-mapped checkpoint's
  /// tensors, with no `[Float]` copy of them in between. `blocks` are `[rows, inFeatures]` PyTorch-layout
  /// matrices stacked along the output dimension (one block for a plain layer; query, key and value for a
  /// fused projection), so `outFeatures` is their total row count.
  ///
  /// The panels are packed on `KernelThreads.count` threads; the values are the same as
  /// `init(weight:bias:outFeatures:inFeatures:)` gives for the widened floats.
  ///
  /// - Precondition: each block holds a whole number of `inFeatures * 4`-byte rows; `bias` has one value per
  ///   row.
  /// - Complexity: O(`outFeatures * inFeatures`); call once per layer at load time.
  public init(float32Blocks blocks: [Data], bias: [Float]?, inFeatures: Int) {
    precondition(inFeatures > 0, "LinearWeights: \(inFeatures) input features")
    let rowBytes = inFeatures * 4
    for block in blocks {
      precondition(block.count % rowBytes == 0, "LinearWeights: \(block.count) bytes for rows of \(inFeatures) floats")
    }
    let outFeatures = blocks.reduce(0) { $0 + $1.count / rowBytes }
    precondition(bias == nil || bias!.count == outFeatures,
                 "LinearWeights: bias of \(bias!.count) for \(outFeatures) outputs")
    let threads = KernelThreads.count
    let packed = withRawBuffers(blocks[...], []) { buffers in
      // The start of every weight row, i.e. of every column of Wᵀ, across the blocks.
      var rows: [UnsafeRawPointer] = []
      rows.reserveCapacity(outFeatures)
      for buffer in buffers where buffer.count > 0 {
        for row in 0..<buffer.count / rowBytes { rows.append(buffer.baseAddress! + row * rowBytes) }
      }
      return PackedPanels(depth: inFeatures, width: outFeatures) { storage in
        rows.withUnsafeBufferPointer { rows in
          parallelFor(items: PackedPanels.panelCount(outFeatures), threads: threads) { panel in
            packFloat32Panel(panel, rows: rows, depth: inFeatures, into: storage)
          }
        }
      }
    }
    self.init(panels: .float32(packed), bias: bias)
  }

  /// Packs a weight stored as little-endian 16-bit floats of `format`, read in place, as halves: the layer then
  /// holds half the memory its widened floats would, and the multiply widens a block at a time (exactly, so outputs
  /// are bit for bit those of `init(weight:…)` on the widened values). Blocks stack as in `init(float32Blocks:…)`.
  ///
  /// - Precondition: each block holds a whole number of `inFeatures * 2`-byte rows; `bias` has one value per
  ///   row.
  /// - Complexity: O(`outFeatures * inFeatures`); call once per layer at load time.
  public init(halfBlocks blocks: [Data], format: HalfFormat, bias: [Float]?, inFeatures: Int) {
    precondition(inFeatures > 0, "LinearWeights: \(inFeatures) input features")
    let rowBytes = inFeatures * 2
    for block in blocks {
      precondition(block.count % rowBytes == 0, "LinearWeights: \(block.count) bytes for rows of \(inFeatures) halves")
    }
    let outFeatures = blocks.reduce(0) { $0 + $1.count / rowBytes }
    precondition(bias == nil || bias!.count == outFeatures,
                 "LinearWeights: bias of \(bias!.count) for \(outFeatures) outputs")
    let threads = KernelThreads.count
    let halves = withRawBuffers(blocks[...], []) { buffers in
      var rows: [UnsafeRawPointer] = []
      rows.reserveCapacity(outFeatures)
      for buffer in buffers where buffer.count > 0 {
        for row in 0..<buffer.count / rowBytes { rows.append(buffer.baseAddress! + row * rowBytes) }
      }
      return HalfPanels(depth: inFeatures, width: outFeatures, format: format) { storage in
        rows.withUnsafeBufferPointer { rows in
          parallelFor(items: PackedPanels.panelCount(outFeatures), threads: threads) { panel in
            packHalfPanel(panel, rows: rows, depth: inFeatures, into: storage)
          }
        }
      }
    }
    self.init(panels: .float16(halves), bias: bias)
  }
}

/// Runs `body` with the bytes of every `Data` in `rest` appended to `buffers`, all valid at once.
private func withRawBuffers<R>(_ rest: ArraySlice<Data>, _ buffers: [UnsafeRawBufferPointer],
                               _ body: ([UnsafeRawBufferPointer]) -> R) -> R {
  guard let first = rest.first else { return body(buffers) }
  return first.withUnsafeBytes { withRawBuffers(rest.dropFirst(), buffers + [$0], body) }
}

/// Writes panel `panel` of `Wᵀ` from the little-endian rows of `W`, in tiles of 16 rows × 16 inputs: each
/// row contributes one 64-byte line per tile and each tile's output is 16 contiguous lines, so the transpose
/// happens in L1 while both the rows and the panel are walked front to back.
private func packFloat32Panel(_ panel: Int, rows: UnsafeBufferPointer<UnsafeRawPointer>, depth: Int,
                              into storage: UnsafeMutablePointer<Float>) {
  let w = PackedPanels.panelWidth
  let first = panel * w
  let columns = min(w, rows.count - first)
  let out = storage + panel * depth * w
  var k0 = 0
  while k0 < depth {
    let tile = min(w, depth - k0)
    for c in 0..<columns {
      let row = rows[first + c] + k0 &* 4
      for k in 0..<tile {
        out[(k0 &+ k) &* w &+ c] = Float(bitPattern: UInt32(littleEndian: row.loadUnaligned(fromByteOffset: k &* 4,
                                                                                              as: UInt32.self)))
      }
    }
    for c in columns..<w {
      for k in 0..<tile { out[(k0 &+ k) &* w &+ c] = 0 }
    }
    k0 += tile
  }
}

/// `packFloat32Panel` for 16-bit elements (copied, not widened).
private func packHalfPanel(_ panel: Int, rows: UnsafeBufferPointer<UnsafeRawPointer>, depth: Int,
                           into storage: UnsafeMutablePointer<UInt16>) {
  let w = PackedPanels.panelWidth
  let first = panel * w
  let columns = min(w, rows.count - first)
  let out = storage + panel * depth * w
  var k0 = 0
  while k0 < depth {
    let tile = min(w, depth - k0)
    for c in 0..<columns {
      let row = rows[first + c] + k0 &* 2
      for k in 0..<tile {
        out[(k0 &+ k) &* w &+ c] = UInt16(littleEndian: row.loadUnaligned(fromByteOffset: k &* 2, as: UInt16.self))
      }
    }
    for c in columns..<w {
      for k in 0..<tile { out[(k0 &+ k) &* w &+ c] = 0 }
    }
    k0 += tile
  }
}
