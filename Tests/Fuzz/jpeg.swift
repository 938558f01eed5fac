// fuzz-modules: Inflate ImageCodecs
// fuzz-support: ImageInvariants.swift
// fuzz-seeds: Tests/ImageCodecsTests/Fixtures/jpeg/*.jpg Tests/ImageCodecsTests/Fixtures/fuzz-regressions/jpeg-*
// fuzz-options: -malloc_limit_mb=512 -max_len=65536
//
// JPEG.decode (baseline, progressive, restart intervals, EXIF) on arbitrary bytes.
import ImageCodecs

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  checkImageDecoder(data, size) { try JPEG.decode($0, limits: $1) }
  return 0
}
