import Foundation

// Widening of stored 16- and 32-bit floats to `Float`, bit-exactly in portable code (no `Float16`, which macOS on
// Intel lacks). The bytes come straight from a memory-mapped checkpoint, so the loops read them in place through
// one raw buffer: this is load time of every worker start (the 605 MB ViT-B/32 checkpoint's F32 tensors take
// 0.66 s this way, 1.1 s through a `[UInt8]` copy and shifts, 11.9 s element by element through `Data`). The entry
// points take `Data` rather than any `ContiguousBytes`: a generic entry point is not specialized across the
// module boundary, and that made these loops 1.5–2× slower.

/// The little-endian binary32 values stored in `bytes`.
///
/// - Precondition: the byte count is a multiple of 4.
/// - Complexity: O(n), one copy.
public func widenFloat32(_ bytes: Data) -> [Float] {
  bytes.withUnsafeBytes { source in
    precondition(source.count % 4 == 0, "widenFloat32: \(source.count) bytes")
    var result = [Float](repeating: 0, count: source.count / 4)
    result.withUnsafeMutableBytes { $0.copyMemory(from: source) }
    #if _endian(big)
    for i in result.indices { result[i] = Float(bitPattern: UInt32(littleEndian: result[i].bitPattern)) }
    #endif
    return result
  }
}

/// The little-endian IEEE 754 binary16 values stored in `bytes`, widened exactly.
///
/// - Precondition: the byte count is even.
/// - Complexity: O(n).
public func widenFloat16(_ bytes: Data) -> [Float] {
  widen16(bytes, name: "widenFloat16", halfToFloat)
}

/// The little-endian bfloat16 values stored in `bytes`, widened exactly.
///
/// - Precondition: the byte count is even.
/// - Complexity: O(n).
public func widenBFloat16(_ bytes: Data) -> [Float] {
  widen16(bytes, name: "widenBFloat16") { Float(bitPattern: UInt32($0) << 16) }
}

/// Applies `widen` to each little-endian 16-bit word of `bytes`.
@inline(__always)
private func widen16(_ bytes: Data, name: String, _ widen: (UInt16) -> Float) -> [Float] {
  bytes.withUnsafeBytes { source in
    precondition(source.count % 2 == 0, "\(name): \(source.count) bytes")
    return (0..<source.count / 2).map { i in
      widen(UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self)))
    }
  }
}

/// IEEE 754 binary16 to binary32; every half value is exactly representable.
@inline(__always)
func halfToFloat(_ bits: UInt16) -> Float {
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

/// The two 16-bit float formats checkpoints store: IEEE binary16 (F16) and bfloat16 (BF16). Both widen to `Float`
/// exactly.
public enum HalfFormat: Sendable, Equatable {
  case binary16
  case bfloat16
}

/// Widens `count` 16-bit floats of `format` (host byte order) to `Float`. Binary16 goes through the hardware's
/// conversion where Swift has `Float16` (F16C's `vcvtph2ps` on x86-64, `fcvtl` on arm64), `halfToFloat` on
/// macOS/Intel; only a signalling NaN may come out quieted by the instruction. Bfloat16 is the top half of a
/// `Float`: a shift.
@inline(__always)
func widenHalves(_ source: UnsafePointer<UInt16>, count: Int, format: HalfFormat,
                 into destination: UnsafeMutablePointer<Float>) {
  var i = 0
  switch format {
  case .binary16:
    #if !(os(macOS) && arch(x86_64))
    while i + 8 <= count {
      let bits = UnsafeRawPointer(source + i).loadUnaligned(as: SIMD8<UInt16>.self)
      let widened = SIMD8<Float>(unsafeBitCast(bits, to: SIMD8<Float16>.self))
      UnsafeMutableRawPointer(destination + i).storeBytes(of: widened, as: SIMD8<Float>.self)
      i += 8
    }
    #endif
    while i < count {
      destination[i] = halfToFloat(source[i])
      i += 1
    }
  case .bfloat16:
    while i + 8 <= count {
      let bits = SIMD8<UInt32>(truncatingIfNeeded: UnsafeRawPointer(source + i).loadUnaligned(as: SIMD8<UInt16>.self))
      UnsafeMutableRawPointer(destination + i).storeBytes(of: unsafeBitCast(bits &<< 16, to: SIMD8<Float>.self),
                                                          as: SIMD8<Float>.self)
      i += 8
    }
    while i < count {
      destination[i] = Float(bitPattern: UInt32(source[i]) << 16)
      i += 1
    }
  }
}

/// The 16-bit floats `bits` of `format` (host byte order), widened exactly.
public func widenHalves(_ bits: ArraySlice<UInt16>, format: HalfFormat) -> [Float] {
  [Float](writingAll: bits.count) { destination in
    bits.withUnsafeBufferPointer { source in
      widenHalves(source.baseAddress!, count: source.count, format: format, into: destination)
    }
  }
}

/// The little-endian 16-bit words stored in `bytes` (16-bit floats kept as they are, for `widenHalves`).
///
/// - Precondition: the byte count is even.
public func halfBits(_ bytes: Data) -> [UInt16] {
  bytes.withUnsafeBytes { source in
    precondition(source.count % 2 == 0, "halfBits: \(source.count) bytes")
    return (0..<source.count / 2).map { UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 &* $0, as: UInt16.self)) }
  }
}
