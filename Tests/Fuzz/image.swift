// fuzz-modules: Inflate ImageCodecs
// fuzz-support: ImageInvariants.swift
// fuzz-seeds: Tests/ImageCodecsTests/Fixtures/*/*.png Tests/ImageCodecsTests/Fixtures/*/*.jpg
// fuzz-seeds: Tests/ImageCodecsTests/Fixtures/*/*.gif Tests/ImageCodecsTests/Fixtures/*/*.bmp
// fuzz-options: -malloc_limit_mb=512 -max_len=65536
//
// decodeImage, the entry point the worker calls: format sniffing, then the format's decoder and the EXIF
// orientation. Mutations that change a signature cross from one decoder to another.
import ImageCodecs

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  checkImageDecoder(data, size) { bytes, limits in
    let image = try decodeImage(bytes, limits: limits)
    return DecodedImage(image: image)
  }
  return 0
}
