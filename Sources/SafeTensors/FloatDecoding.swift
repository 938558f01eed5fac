import Foundation
import Kernels

/// Widening of stored tensor elements to `Float`.
///
/// F16 and BF16 are widened bit-exactly, so an F16 checkpoint computes in F32 from exactly the rounded weights,
/// as `transformers` does with `dtype=torch.float32`. The loops are the checked kernels of the Kernels module,
/// which read the memory-mapped bytes in place (slicing `Data` shares its storage).
enum FloatDecoding {
  /// Decodes `count` little-endian elements of `dtype` from `bytes[range]`.
  static func decode(_ bytes: Data, range: Range<Int>, dtype: DType, count: Int) -> [Float] {
    precondition(range.count == count * dtype.byteWidth, "decode: \(range.count) bytes for \(count) \(dtype)")
    switch dtype {
    case .f32: return widenFloat32(bytes[range])
    case .f16: return widenFloat16(bytes[range])
    case .bf16: return widenBFloat16(bytes[range])
    default: preconditionFailure("decode: \(dtype) is not a float type")
    }
  }
}
