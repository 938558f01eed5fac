// fuzz-modules: Inflate
// fuzz-seeds: Tests/InflateTests/Fixtures/streams/* Tests/InflateTests/Fixtures/fuzz-regressions/inflate-*
// fuzz-options: -malloc_limit_mb=256 -max_len=65536
//
// zlib / DEFLATE on arbitrary bytes, through the three entry points: a stream of unknown size bounded by
// `maxOutput`, a stream that must produce `expectedSize` bytes (the PNG path, whose buffer starts at the
// input's best-case ratio) and raw DEFLATE after the two header bytes. Each either throws or stays in bounds.
import Inflate

let maxOutput = 1 << 20

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInflate(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
  if let output = try? Zlib.decompress(bytes, maxOutput: maxOutput) {
    precondition(output.count <= maxOutput, "\(output.count) bytes over maxOutput \(maxOutput)")
  }
  if let output = try? Zlib.decompress(bytes, expectedSize: maxOutput) {
    precondition(output.count == maxOutput, "\(output.count) bytes, expected \(maxOutput)")
  }
  if let (output, end) = try? Deflate.inflate(bytes, from: min(2, bytes.count), maxOutput: maxOutput) {
    precondition(output.count <= maxOutput, "\(output.count) bytes over maxOutput \(maxOutput)")
    precondition(end <= bytes.count, "stream end \(end) past the input's \(bytes.count) bytes")
  }
  return 0
}
