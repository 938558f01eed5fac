extension DecodedImage {
  /// The orientation `ImageOps.exif_transpose` applies to this image: the EXIF orientation entry when the
  /// EXIF data has one (even an unusable one, which means no turn), else the XMP `tiff:Orientation`.
  /// Nil means the image is shown as stored.
  public var orientation: EXIFOrientation? {
    switch exif.map(EXIFOrientation.lookUp(exif:)) ?? .absent {
    case let .present(value): return value.flatMap(EXIFOrientation.init(rawValue:))
    case .absent: return xmp.flatMap(EXIFOrientation.init(xmp:))
    }
  }

  /// The pixels as transformers' `load_image` hands them on: turned upright by `orientation`.
  public var uprightImage: RGBImage { orientation?.apply(to: image) ?? image }
}
