// Shared by the image harnesses (listed in their `fuzz-support` line): the checks every decoded image must pass.
import ImageCodecs

/// The limits every image harness decodes with: small enough that an accepted image's buffers stay far below
/// libFuzzer's `-malloc_limit_mb`, so an allocation beyond it means a decoder sized a buffer from the file
/// before checking the limits.
let fuzzLimits = ImageLimits(maxPixels: 4_000_000, maxDimension: 16_384)

/// Runs `decode` on the input; a thrown error is a pass, a returned image must be consistent and within limits.
/// A crash (trap, sanitizer report, timeout, allocation over the limit) is what libFuzzer reports.
func checkImageDecoder(_ data: UnsafePointer<UInt8>?, _ size: Int,
                       _ decode: ([UInt8], ImageLimits) throws -> DecodedImage) {
  let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
  checkDecoded(bytes) { try decode($0, fuzzLimits) }
}

/// The invariants of one decode, with the bytes already prepared.
func checkDecoded(_ bytes: [UInt8], _ decode: ([UInt8]) throws -> DecodedImage) {
  guard let decoded = try? decode(bytes) else { return }
  for image in [decoded.image, decoded.uprightImage] {
    precondition(image.width > 0 && image.height > 0, "empty image \(image.width)×\(image.height)")
    precondition(image.width * image.height <= fuzzLimits.maxPixels, "over limits: \(image.width)×\(image.height)")
    precondition(image.pixels.count == image.width * image.height * 3,
                 "\(image.pixels.count) bytes for \(image.width)×\(image.height)")
  }
}
