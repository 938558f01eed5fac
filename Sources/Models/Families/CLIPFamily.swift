import CLIP
import ImageCodecs

extension CLIPEngine: EmbeddingModel {
  public var properties: ModelProperties {
    ModelProperties(
      embeddingDimension: info.embeddingDimension, imageSize: info.imageSize, contextLength: info.contextLength,
      dtype: info.dtype)
  }

  public func zeroShotProbabilities(image: [Float], texts: [[Float]]) -> [Float] {
    CLIPEngine.zeroShotProbabilities(image: image, texts: texts, logitScale: info.logitScale)
  }
}

/// The image decoder of the executable: ImageCodecs' PNG, JPEG, GIF and BMP decoders with EXIF
/// orientation applied.
public let defaultImageDecoder: ImageDecoder = { bytes, limits in try decodeImage(bytes, limits: limits) }
