/// The non-overlapping `patch × patch` squares of channel-planar square images, one row each: the input of a
/// convolution whose stride is its kernel size, as a matrix to multiply by its flattened weights.
///
/// Rows go image by image, then patch row by patch row, left to right; a row holds the patch's channels one after
/// another, each `patch` lines of `patch` pixels, which is the order of a `[out, channels, patch, patch]` weight
/// flattened. Pixels beyond the last whole patch (when `patch` does not divide `size`) are left out, as the
/// convolution leaves them out.
///
/// The copies are whole lines of a patch: element by element, through `Array`'s checks, this took ~0.35 ms of a
/// batch-1 image, on one thread while the other waited.
///
/// - Precondition: every image has `channels * size * size` values, and `0 < patch <= size`.
public func patchRows(of images: [[Float]], channels: Int, size: Int, patch: Int) -> Matrix {
  precondition(channels > 0 && patch > 0 && patch <= size, "patchRows: \(patch)-pixel patches of \(size)-pixel images")
  for (index, image) in images.enumerated() {
    precondition(image.count == channels * size * size,
                 "patchRows: image \(index) has \(image.count) values, expected [\(channels), \(size), \(size)]")
  }
  let grid = size / patch, width = channels * patch * patch
  let scalars = [Float](writingAll: images.count * grid * grid * width) { out in
    var target = out
    for image in images {
      image.withUnsafeBufferPointer { pixels in
        for gy in 0..<grid {
          for gx in 0..<grid {
            for channel in 0..<channels {
              for line in 0..<patch {
                let source = pixels.baseAddress! + (channel * size + gy * patch + line) * size + gx * patch
                target.initialize(from: source, count: patch)
                target += patch
              }
            }
          }
        }
      }
    }
  }
  return Matrix(rows: images.count * grid * grid, columns: width, scalars: scalars)
}
