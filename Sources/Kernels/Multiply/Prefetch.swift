// Software prefetch. Swift has no prefetch function, but a declaration named after LLVM's `llvm.prefetch`
// intrinsic is compiled as the intrinsic itself (`prefetcht1` on x86-64, `prfm pldl2keep` on arm64). A prefetch
// never faults, whatever the address, and changes no value: it only asks for a cache line early.

@_silgen_name("llvm.prefetch.p0")
private func llvmPrefetch(_ address: UnsafeRawPointer, _ write: Int32, _ locality: Int32, _ cacheType: Int32)

/// Asks for the cache line holding `address` to be brought into L2 (read, moderate locality).
///
/// Debug builds skip it: the sanitizers' instrumentation turns the call into one that may unwind, which LLVM
/// refuses for an intrinsic (`swift test --sanitize=thread` stopped compiling). A hint changes no result, so
/// the debug tests lose nothing they check.
@inline(__always)
func prefetchToL2(_ address: UnsafeRawPointer) {
  #if !DEBUG
  llvmPrefetch(address, 0, 2, 1)
  #endif
}

/// Asks for the cache line holding `address` to be brought into L1 and L2 (read, high locality). Debug builds
/// skip it, as `prefetchToL2`.
@inline(__always)
func prefetchToL1(_ address: UnsafeRawPointer) {
  #if !DEBUG
  llvmPrefetch(address, 0, 3, 1)
  #endif
}
