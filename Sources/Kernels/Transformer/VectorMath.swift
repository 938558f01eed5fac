// Elementwise functions on SIMD8<Float>, accurate to float (checked against Foundation in the tests).

// The standard library's `pointwiseMin`/`pointwiseMax`/`clamped`/`max()` on SIMD8 compile to out-of-line generic
// calls that split the vector in halves; these compile to one compare and one blend (or a few shuffles).

/// Lanewise maximum; a NaN in `a` is kept.
@inline(__always)
func vmax(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: a .< b) }

/// Lanewise minimum; a NaN in `a` is kept.
@inline(__always)
func vmin(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: b .< a) }

/// The largest lane.
@inline(__always)
func horizontalMax(_ v: SIMD8<Float>) -> Float {
  let four = vmax(v, SIMD8(v[4], v[5], v[6], v[7], v[0], v[1], v[2], v[3]))
  return max(max(four[0], four[1]), max(four[2], four[3]))
}

/// `e^x` per lane, with the Cephes `expf` reduction and polynomial: relative error below 2e-7 on the normal
/// range. Results below the smallest normal float flush to 0 (softmax's `-inf` entries give exactly 0), results
/// above the largest float are `+inf`, NaN stays NaN.
@inline(__always)
package func vexp(_ x: SIMD8<Float>) -> SIMD8<Float> {
  let low: Float = -87.33654, high: Float = 88.37
  let clamped = vmin(vmax(x, SIMD8(repeating: low)), SIMD8(repeating: high))
  // x = n ln 2 + r with |r| <= ln 2 / 2; ln 2 is split in two so that n ln 2 is exact enough.
  let n = (clamped * 1.44269504088896341).rounded(.toNearestOrEven)
  var r = clamped.addingProduct(n, SIMD8(repeating: -0.693359375))
  r = r.addingProduct(n, SIMD8(repeating: 2.12194440e-4))
  // Horner's steps as fused multiply-adds: half the instructions (GELU's epilogue 13% faster), the same accuracy
  // (every 7th float in [-87, 88]: max relative error 8.4e-8 against 8.1e-8 unfused, mean 2.26e-8 for both).
  var p = SIMD8<Float>(repeating: 1.9875691500e-4)
  p = SIMD8(repeating: 1.3981999507e-3).addingProduct(p, r)
  p = SIMD8(repeating: 8.3334519073e-3).addingProduct(p, r)
  p = SIMD8(repeating: 4.1665795894e-2).addingProduct(p, r)
  p = SIMD8(repeating: 1.6666665459e-1).addingProduct(p, r)
  p = SIMD8(repeating: 5.0000001201e-1).addingProduct(p, r)
  p = r.addingProduct(p, r * r) + 1
  // 2^n from the exponent bits: adding 1.5 * 2^23 leaves n in the low mantissa bits.
  let shifted = n + 12582912
  let bits = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- (0x4B40_0000 - 127)) &<< 23
  var result = p * unsafeBitCast(bits, to: SIMD8<Float>.self)
  result.replace(with: 0, where: x .< low)
  result.replace(with: .infinity, where: x .> 88.3762626647949)
  result.replace(with: x, where: x .!= x)
  return result
}

/// `erfc(z)` for `z >= 0` with relative error about 1e-7 (Numerical Recipes' `erfcc`, Chebyshev fit of
/// `erfc(z) e^{z²}` in `t = 1 / (1 + z / 2)`), so that GELU stays accurate far into its negative tail. In float
/// the rounding of `z²` adds up to ~2e-5 relative where `erfc` is below 1e-20 (checked in the tests).
@inline(__always)
func verfcNonNegative(_ z: SIMD8<Float>) -> SIMD8<Float> {
  let t = 1 / (1 + 0.5 * z)
  var p = SIMD8<Float>(repeating: 0.17087277)
  p = p * t - 0.82215223
  p = p * t + 1.48851587
  p = p * t - 1.13520398
  p = p * t + 0.27886807
  p = p * t - 0.18628806
  p = p * t + 0.09678418
  p = p * t + 0.37409196
  p = p * t + 1.00002368
  p = p * t - 1.26551223
  // -z² + p with one rounding.
  return t * vexp(p.addingProduct(-z, z))
}

/// The activation of a whole vector; the same formulas as `Reference.activate`, with the SIMD `exp`/`erfc`.
@inline(__always)
package func vactivate(_ v: SIMD8<Float>, _ activation: Activation) -> SIMD8<Float> {
  switch activation {
  case .identity:
    return v
  case .quickGELU:
    return v / (1 + vexp(-1.702 * v))
  case .gelu:
    // 0.5 v (1 + erf(v / √2)) written with erfc so that negative v keeps its relative accuracy.
    let e = verfcNonNegative(vmax(v, -v) * 0.70710678118654752)
    var phi = 2 - e
    phi.replace(with: e, where: v .< 0)
    return 0.5 * v * phi
  case .geluTanh:
    // 0.5 v (1 + tanh(u)) = v / (1 + e^{-2u}).
    let u = 0.7978845608028654 * (v + 0.044715 * v * v * v)
    return v / (1 + vexp(-2 * u))
  }
}
