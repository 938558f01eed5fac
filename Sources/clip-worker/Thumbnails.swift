import Dispatch
import Foundation
import ImageCodecs
import ImageProcessing
import Worker

/// The thumbnails of the HTML reports, made by the worker's own decoder (EXIF orientation applied, as for the model)
/// and Pillow-exact resizer, written inline as 24-bit BMP `data:` URIs so that the page needs no other file.
struct ThumbnailMaker: Sendable {
  /// A thumbnail ready for an `<img src>`.
  struct Thumbnail: Equatable, Sendable {
    var dataURI: String
    var width: Int
    var height: Int
  }

  /// Where an image's bytes are: a file, or bytes already read (stdin's).
  enum Source: Sendable {
    case path(String)
    case bytes([UInt8])
  }

  /// The long side of a thumbnail, in pixels.
  var longSide = 160
  var maxFileBytes: Int
  var limits: ImageLimits

  init(configuration: WorkerConfiguration) {
    maxFileBytes = configuration.maxImageFileBytes
    limits = configuration.imageLimits
  }

  /// The thumbnail, or why there is none (a message for the page).
  func make(_ source: Source) -> Result<Thumbnail, ThumbnailFailure> {
    let bytes: [UInt8]
    switch source {
    case let .bytes(given): bytes = given
    case let .path(path):
      guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
        return .failure(ThumbnailFailure(reason: "cannot read the file"))
      }
      guard attributes[.type] as? FileAttributeType == .typeRegular else {
        return .failure(ThumbnailFailure(reason: "not a regular file"))
      }
      guard let size = attributes[.size] as? Int, size <= maxFileBytes,
        let data = FileManager.default.contents(atPath: path), data.count <= maxFileBytes
      else { return .failure(ThumbnailFailure(reason: "larger than \(maxFileBytes) bytes (see --max-file-mb)")) }
      bytes = [UInt8](data)
    }
    do {
      let image = thumbnail(try decodeImage(bytes, limits: limits), longSide: longSide)
      let uri = "data:image/bmp;base64," + Data(BMP.encode(image)).base64EncodedString()
      return .success(Thumbnail(dataURI: uri, width: image.width, height: image.height))
    } catch {
      return .failure(ThumbnailFailure(reason: "\(error)"))
    }
  }

  /// `make` for each source, in order, on all cores.
  func make(_ sources: [Source]) -> [Result<Thumbnail, ThumbnailFailure>] {
    let results = Locked([Result<Thumbnail, ThumbnailFailure>?](repeating: nil, count: sources.count))
    DispatchQueue.concurrentPerform(iterations: sources.count) { index in
      let result = make(sources[index])
      results.withLock { $0[index] = result }
    }
    return results.withLock { $0 }.map { $0! }
  }
}

/// Why an image has no thumbnail.
struct ThumbnailFailure: Error, Equatable, Sendable {
  var reason: String
}
