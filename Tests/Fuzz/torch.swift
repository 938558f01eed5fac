// fuzz-modules: KernelIntrinsics KernelIntrinsicsAVX2 Kernels Inflate SafeTensors TorchCheckpoint
// fuzz-seeds: Tests/TorchCheckpointTests/Fixtures/cases/*.bin Tests/TorchCheckpointTests/Fixtures/fuzz-regressions/torch-*
// fuzz-options: -malloc_limit_mb=512 -max_len=65536
//
// Pickled PyTorch checkpoints on arbitrary bytes: the zip central directory (ZIP64 too), the local headers, the
// pickle machine and the tensor bounds. First byte even: the input is the whole file. Odd: the rest is a data.pkl
// wrapped in a valid stored archive beside one 64-byte storage `data/0`, so that mutations reach the pickle reader
// at once instead of dying in the zip structure. Either the reader throws, or every tensor it accepts reads in bounds.
import Foundation
import TorchCheckpoint

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTorchCheckpoint(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
  let file = bytes.first.map { $0 & 1 == 1 } == true
    ? storedArchive(["archive/data.pkl": Array(bytes.dropFirst()), "archive/data/0": Array(repeating: 0x3F, count: 64),
                     "archive/byteorder": Array("little".utf8)])
    : bytes
  guard let checkpoint = try? TorchCheckpointFile(data: Data(file), file: "fuzz.bin") else { return 0 }
  for (name, info) in checkpoint.tensors {
    let count = try? checkpoint.withStoredBytes(name) { $0.count }
    precondition(count == info.elementCount * info.dtype.byteWidth, "\(name): \(String(describing: count)) bytes")
    if info.dtype.isReadableAsFloat {
      precondition((try? checkpoint.floats(name))?.count == info.elementCount, "\(name): floats")
    }
  }
  return 0
}

/// A zip of `entries` (stored, sorted by name), as `torch.save` would lay it out without the alignment padding.
func storedArchive(_ entries: [String: [UInt8]]) -> [UInt8] {
  var out: [UInt8] = [], central: [UInt8] = []
  func le(_ value: Int, _ width: Int, into buffer: inout [UInt8]) {
    for i in 0..<width { buffer.append(UInt8(truncatingIfNeeded: value >> (8 * i))) }
  }
  for (name, body) in entries.sorted(by: { $0.key < $1.key }) {
    let raw = Array(name.utf8), offset = out.count
    le(0x0403_4b50, 4, into: &out); le(20, 2, into: &out); le(0, 2, into: &out); le(0, 2, into: &out)
    le(0, 4, into: &out); le(0, 4, into: &out); le(body.count, 4, into: &out); le(body.count, 4, into: &out)
    le(raw.count, 2, into: &out); le(0, 2, into: &out)
    out += raw + body
    le(0x0201_4b50, 4, into: &central); le(20, 2, into: &central); le(20, 2, into: &central)
    le(0, 2, into: &central); le(0, 2, into: &central); le(0, 4, into: &central); le(0, 4, into: &central)
    le(body.count, 4, into: &central); le(body.count, 4, into: &central); le(raw.count, 2, into: &central)
    le(0, 2, into: &central); le(0, 2, into: &central); le(0, 2, into: &central); le(0, 2, into: &central)
    le(0, 4, into: &central); le(offset, 4, into: &central)
    central += raw
  }
  let start = out.count
  out += central
  le(0x0605_4b50, 4, into: &out); le(0, 2, into: &out); le(0, 2, into: &out); le(entries.count, 2, into: &out)
  le(entries.count, 2, into: &out); le(central.count, 4, into: &out); le(start, 4, into: &out); le(0, 2, into: &out)
  return out
}
