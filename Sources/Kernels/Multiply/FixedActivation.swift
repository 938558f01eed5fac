// The epilogue's activations as types, so that `Gemm.finish` specializes its loop per activation.

/// An activation chosen at compile time, so that a loop over vectors specializes to straight-line code.
protocol FixedActivation {
  /// The activation of each lane.
  static func apply(_ v: SIMD8<Float>) -> SIMD8<Float>
}

extension Gemm {
  /// No activation.
  enum Identity: FixedActivation {
    @inline(__always) static func apply(_ v: SIMD8<Float>) -> SIMD8<Float> { v }
  }

  /// `Activation.quickGELU`.
  enum QuickGELU: FixedActivation {
    @inline(__always) static func apply(_ v: SIMD8<Float>) -> SIMD8<Float> { vactivate(v, .quickGELU) }
  }

  /// `Activation.gelu`.
  enum ErfGELU: FixedActivation {
    @inline(__always) static func apply(_ v: SIMD8<Float>) -> SIMD8<Float> { vactivate(v, .gelu) }
  }

  /// `Activation.geluTanh`.
  enum TanhGELU: FixedActivation {
    @inline(__always) static func apply(_ v: SIMD8<Float>) -> SIMD8<Float> { vactivate(v, .geluTanh) }
  }
}
