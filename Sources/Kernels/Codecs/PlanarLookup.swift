/// Splits interleaved 8-bit RGB rows into three float planes through one lookup table per channel:
/// `output[c·planeStride + outputStart + r·outputRowStride + x] = tables[c·256 + input[(r·width + x)·3 + c]]`
/// for `r` in `0..<rows`, `x` in `0..<width`, `c` in `0..<3`. Other elements of `output` are left as they are.
///
/// This is rescale, normalize and the channel-first layout of an image processor in one pass: the values
/// depend only on the byte and its channel. It reads through buffer pointers one row at a time so that the loop
/// compiles without per-element bounds and overflow checks; the entry point checks every index it reaches.
///
/// - Precondition: `tables.count == 768`; `width`, `rows`, `outputStart`, `planeStride` >= 0;
///   `outputRowStride >= width`; `input` holds `rows × width` pixels and `output` every element written.
/// - Complexity: O(rows × width).
public func deinterleaveRGB8(_ input: [UInt8], width: Int, rows: Int, tables: [Float], into output: inout [Float],
                             outputStart: Int, outputRowStride: Int, planeStride: Int) {
  precondition(tables.count == 3 * 256, "deinterleaveRGB8: \(tables.count) table entries")
  precondition(width >= 0 && rows >= 0 && outputStart >= 0 && planeStride >= 0 && outputRowStride >= width,
               "deinterleaveRGB8: \(rows)×\(width) at \(outputStart), row stride \(outputRowStride)")
  precondition(input.count >= rows * width * 3, "deinterleaveRGB8: \(input.count) bytes for \(rows)×\(width)")
  guard rows > 0 && width > 0 else { return }
  precondition(2 * planeStride + outputStart + (rows - 1) * outputRowStride + width <= output.count,
               "deinterleaveRGB8: output of \(output.count) too small")
  output.withUnsafeMutableBufferPointer { output in
    input.withUnsafeBufferPointer { input in
      tables.withUnsafeBufferPointer { table in
        let red = UnsafeBufferPointer(rebasing: table[0..<256])
        let green = UnsafeBufferPointer(rebasing: table[256..<512])
        let blue = UnsafeBufferPointer(rebasing: table[512..<768])
        for row in 0..<rows {
          let pixels = UnsafeBufferPointer(rebasing: input[row * width * 3..<(row + 1) * width * 3])
          let start = outputStart + row * outputRowStride
          let redRow = UnsafeMutableBufferPointer(rebasing: output[start..<start + width])
          let greenRow = UnsafeMutableBufferPointer(rebasing: output[planeStride + start..<planeStride + start + width])
          let blueEnd = 2 * planeStride + start + width
          let blueRow = UnsafeMutableBufferPointer(rebasing: output[2 * planeStride + start..<blueEnd])
          for column in 0..<width {
            let p = column &* 3
            redRow[column] = red[Int(pixels[p])]
            greenRow[column] = green[Int(pixels[p &+ 1])]
            blueRow[column] = blue[Int(pixels[p &+ 2])]
          }
        }
      }
    }
  }
}
