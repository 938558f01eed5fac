/// One image component declared by the frame header (SOF), with the block geometry derived from it.
struct JPEGComponent {
  /// The component identifier that scan headers refer to.
  let id: Int
  /// Horizontal and vertical sampling factors, 1...4.
  let h: Int, v: Int
  /// The quantization table selector, 0...3.
  let quantTable: Int
  /// The component's own size in samples: `ceil(width * h / maxH)` × `ceil(height * v / maxV)`
  /// (libjpeg's `downsampled_width/height`).
  var width = 0, height = 0
  /// The allocated block grid, padded to whole MCUs: `mcusX * h` × `mcusY * v` blocks.
  var blocksPerLine = 0, blocksPerColumn = 0
  /// Where this component's coefficient blocks start in the frame's coefficient array.
  var coefficientOffset = 0

  /// Blocks that hold samples of the image (a non-interleaved scan codes exactly these).
  var usedBlocksPerLine: Int { (width + 7) / 8 }
  var usedBlocksPerColumn: Int { (height + 7) / 8 }
}

/// The frame header (SOF0, SOF1 or SOF2) and the geometry of its MCUs.
struct JPEGFrame {
  let width: Int, height: Int
  let progressive: Bool
  var components: [JPEGComponent]
  let maxH: Int, maxV: Int
  /// MCUs per row and per column of an interleaved scan.
  let mcusX: Int, mcusY: Int

  init(width: Int, height: Int, progressive: Bool, components: [JPEGComponent]) {
    self.width = width
    self.height = height
    self.progressive = progressive
    maxH = components.map(\.h).max() ?? 1
    maxV = components.map(\.v).max() ?? 1
    mcusX = (width + 8 * maxH - 1) / (8 * maxH)
    mcusY = (height + 8 * maxV - 1) / (8 * maxV)
    var offset = 0
    self.components = components
    for i in self.components.indices {
      var c = self.components[i]
      c.width = (width * c.h + maxH - 1) / maxH
      c.height = (height * c.v + maxV - 1) / maxV
      c.blocksPerLine = mcusX * c.h
      c.blocksPerColumn = mcusY * c.v
      c.coefficientOffset = offset
      offset += c.blocksPerLine * c.blocksPerColumn * 64
      self.components[i] = c
    }
    coefficientCount = offset
  }

  /// The number of coefficients of all components' block grids.
  let coefficientCount: Int
}
