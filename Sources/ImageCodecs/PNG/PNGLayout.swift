/// Where each sub-image (one for a plain image, up to seven Adam7 passes) lies in the decompressed data and
/// where its pixels go in the full image.
struct PNGPass {
  let width: Int, height: Int
  /// First pixel's column and row in the image, and the spacing of the pass's pixels.
  let x0: Int, y0: Int, dx: Int, dy: Int
  /// Offset of the pass's first filter byte in the decompressed data.
  let start: Int
  let rowBytes: Int

  /// Decompressed bytes the pass takes: one filter byte plus `rowBytes` per row (none for an empty pass).
  var byteCount: Int { width == 0 || height == 0 ? 0 : height * (rowBytes + 1) }

  /// The passes of `header`'s image, in stream order.
  static func passes(_ header: PNGHeader) -> [PNGPass] {
    let adam7 = header.interlaced
      ? [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
      : [(0, 0, 1, 1)]
    var start = 0
    return adam7.map { x0, y0, dx, dy in
      let w = header.width > x0 ? (header.width - x0 + dx - 1) / dx : 0
      let h = header.height > y0 ? (header.height - y0 + dy - 1) / dy : 0
      let pass = PNGPass(width: w, height: h, x0: x0, y0: y0, dx: dx, dy: dy, start: start,
                         rowBytes: header.rowBytes(w))
      start += pass.byteCount
      return pass
    }
  }
}
