/// Loads `count` (< 8) floats into the low lanes, zeros elsewhere.
@inline(__always)
func loadPartial(_ pointer: UnsafePointer<Float>, _ count: Int) -> SIMD8<Float> {
  var v = SIMD8<Float>()
  for i in 0..<count { v[i] = pointer[i] }
  return v
}

/// Stores the low `count` (< 8) lanes.
@inline(__always)
func storePartial(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>, _ count: Int) {
  for i in 0..<count { pointer[i] = value[i] }
}

/// Allocates `count` floats aligned to a cache line, for per-call scratch.
@inline(__always)
func allocateFloats(_ count: Int) -> UnsafeMutablePointer<Float> {
  UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * MemoryLayout<Float>.stride, alignment: 64)
    .bindMemory(to: Float.self, capacity: max(1, count))
}

@inline(__always)
func loadPartial(_ pointer: UnsafeMutablePointer<Float>, _ count: Int) -> SIMD8<Float> {
  loadPartial(UnsafePointer(pointer), count)
}
