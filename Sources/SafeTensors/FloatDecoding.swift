import Foundation

/// Widening of stored tensor elements to `Float`.
///
/// F16 and BF16 are widened bit-exactly in portable code (no `Float16`, which macOS on Intel lacks), so an
/// F16 checkpoint computes in F32 from exactly the rounded weights, as `transformers` does with
/// `dtype=torch.float32`.
enum FloatDecoding {
  /// Decodes `count` little-endian elements of `dtype` from `bytes[range]`.
  ///
  /// Reads through `withUnsafeBytes` because this is load time of every worker start: measured on the
  /// 605 MB ViT-B/32 checkpoint (-O, warm page cache), all its F32 tensors take 0.66 s this way, 1.1 s
  /// through a `[UInt8]` copy and shifts, 11.9 s element by element through `Data`'s subscript.
  static func decode(_ bytes: Data, range: Range<Int>, dtype: DType, count: Int) -> [Float] {
    precondition(range.count == count * dtype.byteWidth, "decode: \(range.count) bytes for \(count) \(dtype)")
    return bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [Float] in
      let source = UnsafeRawBufferPointer(rebasing: raw[range])
      switch dtype {
      case .f32:
        var result = [Float](repeating: 0, count: count)
        result.withUnsafeMutableBytes { $0.copyMemory(from: source) }
        #if _endian(big)
        for i in result.indices { result[i] = Float(bitPattern: UInt32(littleEndian: result[i].bitPattern)) }
        #endif
        return result
      case .f16:
        return (0..<count).map { i in
          halfToFloat(UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
        }
      case .bf16:
        return (0..<count).map { i in
          bfloat16ToFloat(UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
        }
      default:
        preconditionFailure("decode: \(dtype) is not a float type")
      }
    }
  }

  /// IEEE 754 binary16 to binary32; every half value is exactly representable.
  @inline(__always)
  static func halfToFloat(_ bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = UInt32(bits >> 10) & 0x1F
    let mantissa = UInt32(bits & 0x03FF)
    switch exponent {
    case 0:
      // Zero or subnormal: mantissa × 2⁻²⁴, exact in Float.
      let magnitude = Float(mantissa) * 0x1p-24
      return sign == 0 ? magnitude : -magnitude
    case 0x1F:
      // Infinity or NaN (payload kept).
      return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
    default:
      // Rebias the exponent from 15 to 127.
      return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
    }
  }

  /// bfloat16 is the upper half of a binary32.
  @inline(__always)
  static func bfloat16ToFloat(_ bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
  }
}
