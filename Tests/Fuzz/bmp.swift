// fuzz-modules: Inflate ImageCodecs
// fuzz-support: ImageInvariants.swift
// fuzz-seeds: Tests/ImageCodecsTests/Fixtures/bmp/*.bmp Tests/ImageCodecsTests/Fixtures/fuzz-regressions/bmp-*
// fuzz-options: -malloc_limit_mb=512 -max_len=65536
//
// BMP.decode (all header versions, bit depths, bitfields, RLE) on arbitrary bytes.
import ImageCodecs

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBMP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  checkImageDecoder(data, size) { try BMP.decode($0, limits: $1) }
  return 0
}
