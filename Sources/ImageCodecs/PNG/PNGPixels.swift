/// Expands unfiltered scanlines to 8-bit RGB the way Pillow's `convert("RGB")` does: alpha dropped (not
/// composited), palette indices looked up (indices past the palette give black, as in Pillow), grey replicated,
/// 1/2/4-bit grey scaled to 0...255 (× 255, 85, 17). 16-bit samples keep their high byte; Pillow does the same
/// for 16-bit RGB, RGBA and grey+alpha, but clips 16-bit grey (mode `I;16`) to 255 instead — we take the high
/// byte there too, which is what a viewer shows.
struct PNGPixels {
  let header: PNGHeader
  /// 256 RGB entries; entries past the PLTE chunk are black.
  let palette: [UInt8]

  /// Writes `count` pixels of the scanline at `data[src]` to `out`, starting at `out[dst]` and advancing
  /// `step` bytes per pixel (3 for consecutive pixels, more for the spaced pixels of an Adam7 pass).
  func expandRow(_ data: [UInt8], at src: Int, count: Int, into out: inout [UInt8], at dst: Int, step: Int) {
    let depth = header.bitDepth
    switch (header.colorType, depth) {
    case (.rgb, 8) where step == 3:
      out[dst..<(dst + 3 * count)] = data[src..<(src + 3 * count)]
    case (.rgb, _), (.rgba, _):
      // Bytes per pixel, and per sample: a 16-bit sample's first (high) byte is kept.
      let bpp = header.bitsPerPixel / 8, bps = depth / 8
      for i in 0..<count {
        let s = src + i * bpp, d = dst + i * step
        out[d] = data[s]
        out[d + 1] = data[s + bps]
        out[d + 2] = data[s + 2 * bps]
      }
    case (.grey, 8), (.grey, 16), (.greyAlpha, _):
      let bpp = header.bitsPerPixel / 8
      for i in 0..<count {
        let v = data[src + i * bpp], d = dst + i * step
        out[d] = v
        out[d + 1] = v
        out[d + 2] = v
      }
    case (.grey, _):
      let scale = UInt8(255 / (1 << depth - 1)), mask = 1 << depth - 1
      for i in 0..<count {
        let bit = i * depth
        let v = UInt8(Int(data[src + bit >> 3]) >> (8 - depth - bit & 7) & mask) &* scale
        let d = dst + i * step
        out[d] = v
        out[d + 1] = v
        out[d + 2] = v
      }
    case (.palette, _):
      let mask = 1 << depth - 1
      for i in 0..<count {
        let bit = i * depth
        let index = depth == 8 ? Int(data[src + i]) : Int(data[src + bit >> 3]) >> (8 - depth - bit & 7) & mask
        let d = dst + i * step
        out[d] = palette[3 * index]
        out[d + 1] = palette[3 * index + 1]
        out[d + 2] = palette[3 * index + 2]
      }
    }
  }
}
