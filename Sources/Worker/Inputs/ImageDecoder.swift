import ImageCodecs

/// Turns an image file's bytes into pixels, applying EXIF orientation; `defaultImageDecoder` in the
/// executable, a small stand-in in tests.
public typealias ImageDecoder = @Sendable (_ bytes: [UInt8], _ limits: ImageLimits) throws -> RGBImage

/// The image decoder of the executable: ImageCodecs' PNG, JPEG, GIF and BMP decoders with EXIF
/// orientation applied.
public let defaultImageDecoder: ImageDecoder = { bytes, limits in try decodeImage(bytes, limits: limits) }
