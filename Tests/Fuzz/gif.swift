// fuzz-modules: Inflate ImageCodecs
// fuzz-support: ImageInvariants.swift
// fuzz-seeds: Tests/ImageCodecsTests/Fixtures/gif/*.gif Tests/ImageCodecsTests/Fixtures/fuzz-regressions/gif-*
// fuzz-options: -malloc_limit_mb=512 -max_len=65536
//
// GIF.decode (first frame, LZW, interlacing, palettes) on arbitrary bytes.
import ImageCodecs

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGIF(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  checkImageDecoder(data, size) { try GIF.decode($0, limits: $1) }
  return 0
}
