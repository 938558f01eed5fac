/// What a format decoder yields: the pixels converted to RGB as Pillow's `convert("RGB")` does, and the
/// raw EXIF payload (the TIFF structure that starts with `II*\0` or `MM\0*`) when the file carries one, so
/// that orientation can be applied the way `ImageOps.exif_transpose` does.
public struct DecodedImage: Sendable {
  /// The pixels, in stored orientation.
  public var image: RGBImage
  /// The EXIF TIFF payload, without the `Exif\0\0` prefix of JPEG's APP1 segment.
  public var exif: [UInt8]?

  public init(image: RGBImage, exif: [UInt8]? = nil) {
    self.image = image
    self.exif = exif
  }
}
