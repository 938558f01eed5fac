import ImageCodecs

/// The size of a thumbnail of a `width`×`height` image that fits in `longSide`×`longSide`: the aspect ratio kept
/// (the short side rounded to the nearest pixel, at least 1), never enlarged.
///
/// - Precondition: all three are > 0.
public func thumbnailSize(width: Int, height: Int, longSide: Int) -> (width: Int, height: Int) {
  precondition(width > 0 && height > 0 && longSide > 0, "thumbnailSize: \(width)×\(height) in \(longSide)")
  let long = max(width, height)
  guard long > longSide else { return (width, height) }
  func scaled(_ side: Int) -> Int { max(1, (side * longSide * 2 + long) / (2 * long)) }
  return width >= height ? (longSide, scaled(height)) : (scaled(width), longSide)
}

/// `image` shrunk to `thumbnailSize(width:height:longSide:)` with Pillow's resampling (`resize`, bicubic by
/// default); an image that already fits is returned as it is.
public func thumbnail(_ image: RGBImage, longSide: Int, filter: ResamplingFilter = .bicubic) -> RGBImage {
  let size = thumbnailSize(width: image.width, height: image.height, longSide: longSide)
  guard size != (image.width, image.height) else { return image }
  return resize(image, width: size.width, height: size.height, filter: filter)
}
