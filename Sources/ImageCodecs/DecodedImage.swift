/// What a format decoder yields: the pixels converted to RGB as Pillow's `convert("RGB")` does, and the
/// raw EXIF payload (the TIFF structure that starts with `II*\0` or `MM\0*`) when the file carries one, so
/// that orientation can be applied the way `ImageOps.exif_transpose` does.
public struct DecodedImage: Sendable {
  /// The pixels, in stored orientation.
  public var image: RGBImage
  /// The EXIF TIFF payload, without the `Exif\0\0` prefix of JPEG's APP1 segment.
  public var exif: [UInt8]?
  /// The XMP packet (JPEG: the APP1 segment after `http://ns.adobe.com/xap/1.0/\0`). Pillow's
  /// `exif_transpose` falls back to its `tiff:Orientation` when the EXIF data has no orientation.
  public var xmp: [UInt8]?

  public init(image: RGBImage, exif: [UInt8]? = nil, xmp: [UInt8]? = nil) {
    self.image = image
    self.exif = exif
    self.xmp = xmp
  }
}
