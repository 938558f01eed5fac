// fuzz-modules: Inflate ImageCodecs
// fuzz-support: ImageInvariants.swift
// fuzz-seeds: Tests/ImageCodecsTests/Fixtures/png/*.png Tests/ImageCodecsTests/Fixtures/fuzz-regressions/png-*
// fuzz-options: -malloc_limit_mb=512 -max_len=65536
//
// PNG.decode on arbitrary bytes. Before decoding, every chunk's CRC is recomputed: a mutated file would
// otherwise almost always stop at `badChecksum` and the fuzzer would never reach the header checks, the
// zlib stream, the filters or the interlacing. (The checksum test itself is a unit test.)
import ImageCodecs

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  var bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
  fixChunkCRCs(&bytes)
  checkDecoded(bytes) { try PNG.decode($0, limits: fuzzLimits) }
  return 0
}

/// Rewrites the CRC of every complete chunk after the 8-byte signature; stops at the first chunk that runs
/// past the end.
func fixChunkCRCs(_ bytes: inout [UInt8]) {
  var offset = 8
  while offset + 12 <= bytes.count {
    let length = bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
    let end = offset + 8 + length
    guard end + 4 <= bytes.count else { return }
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes[(offset + 4)..<end] {
      crc ^= UInt32(byte)
      for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    crc ^= 0xFFFF_FFFF
    for k in 0..<4 { bytes[end + k] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * k)) }
    offset = end + 4
  }
}
