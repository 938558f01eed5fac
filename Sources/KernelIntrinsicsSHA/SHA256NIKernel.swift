// Why this module exists: the worker keys every image by the SHA-256 of its file bytes, and on a warm run over stored
// images hashing is most of the work. x86_64 CPUs since Goldmont and Zen have the SHA extensions (`sha256rnds2`: two
// rounds; `sha256msg1`/`sha256msg2`: the message schedule), ~5-8× faster than the best scalar code. Swift cannot
// name them, and the project takes no C code; compiled with `-parse-stdlib`, this module reaches LLVM's intrinsics
// through the `Builtin` module (`Builtin.int_x86_sha256rnds2` on `SIMD4<UInt32>._storage._value`). That needs the
// `sha` target feature (and SSSE3 for `pshufb`) for the whole module, so it holds nothing but the block function, and
// Kernels calls it only after `CPUFeatures` found `sha_ni`, `ssse3` and `sse4_1` (`SHA256Blocks`). The function is a
// whole loop over the blocks, not a per-instruction wrapper, for the same reasons as in KernelIntrinsics.
//
// The structure is the usual one of a SHA-NI block function (Intel, "Intel SHA Extensions", 2013): the eight state
// words held as two vectors ABEF and CDGH (lanes 3..0 = A, B, E, F and C, D, G, H), four rounds per pair of
// `sha256rnds2`, the schedule four words at a time (`W[t..t+3] = msg2(msg1(W[t-16..], W[t-12..]) + W[t-7..t-4],
// W[t-4..t-1])`).
//
// Built without the flags (other architectures, `CLIP_WORKER_PORTABLE=1`), the module has no kernel and
// `SHA256NIKernel.isCompiled` is false.
import Swift

/// SHA-256's block function on the x86 SHA extensions, when this build has it.
public enum SHA256NIKernel {
  /// Whether this build contains the SHA-NI kernel (x86_64, not portable). Calling it still needs a CPU with the
  /// SHA extensions and SSSE3: Kernels checks.
  public static var isCompiled: Bool {
    #if CLIP_WORKER_SHA_NI
    return true
    #else
    return false
    #endif
  }

  /// Compresses `count` consecutive 64-byte blocks at `blocks` into `state` (the eight words `H0...H7` of FIPS 180-4).
  ///
  /// - Precondition: `blocks` holds `64 * count` readable bytes (any alignment), and the CPU has the SHA extensions
  ///   and SSSE3 (the caller checks; without them this is an illegal instruction).
  public static func compress(state: UnsafeMutablePointer<UInt32>, blocks: UnsafeRawPointer, count: Int) {
    #if CLIP_WORKER_SHA_NI
    shaNIBlocks(state, blocks, count)
    #else
    preconditionFailure("SHA256NIKernel.compress: this build has no SHA-NI kernel")
    #endif
  }
}

#if CLIP_WORKER_SHA_NI
/// `sha256rnds2`: two rounds on `cdgh`/`abef` with `W + K` of the rounds in `wk`'s lanes 0 and 1; the new ABEF.
@inline(__always)
private func rounds2(_ cdgh: SIMD4<UInt32>, _ abef: SIMD4<UInt32>, _ wk: SIMD4<UInt32>) -> SIMD4<UInt32> {
  var result = SIMD4<UInt32>()
  result._storage._value = Builtin.int_x86_sha256rnds2(cdgh._storage._value, abef._storage._value, wk._storage._value)
  return result
}

/// `sha256msg1`: `W[t-16+i] + σ0(W[t-15+i])` for i in 0..<4, from `W[t-16..t-13]` and `W[t-12..t-9]`.
@inline(__always)
private func message1(_ w0: SIMD4<UInt32>, _ w1: SIMD4<UInt32>) -> SIMD4<UInt32> {
  var result = SIMD4<UInt32>()
  result._storage._value = Builtin.int_x86_sha256msg1(w0._storage._value, w1._storage._value)
  return result
}

/// `sha256msg2`: the next four schedule words from the partial sums `x` and `W[t-4..t-1]` (the σ1 terms).
@inline(__always)
private func message2(_ x: SIMD4<UInt32>, _ w3: SIMD4<UInt32>) -> SIMD4<UInt32> {
  var result = SIMD4<UInt32>()
  result._storage._value = Builtin.int_x86_sha256msg2(x._storage._value, w3._storage._value)
  return result
}

/// Sixteen message bytes as four big-endian words (`pshufb` reversing the bytes of each 32-bit lane).
@inline(__always)
private func bigEndianWords(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD4<UInt32> {
  let bytes = p.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self)
  let order = SIMD16<UInt8>(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12)
  var swapped = SIMD16<UInt8>()
  swapped._storage._value = Builtin.int_x86_ssse3_pshuf_b_128(bytes._storage._value, order._storage._value)
  return unsafeBitCast(swapped, to: SIMD4<UInt32>.self)
}

/// The next four schedule words from the previous sixteen (`w0` oldest). `W[t-7..t-4]` is lanes 1-3 of `w2` and
/// lane 0 of `w3` (`palignr`).
@inline(__always)
private func schedule(_ w0: SIMD4<UInt32>, _ w1: SIMD4<UInt32>, _ w2: SIMD4<UInt32>,
                      _ w3: SIMD4<UInt32>) -> SIMD4<UInt32> {
  let w7 = SIMD4<UInt32>(w2[1], w2[2], w2[3], w3[0])
  return message2(message1(w0, w1) &+ w7, w3)
}

/// The round constants K of FIPS 180-4 §4.2.2, four per vector.
private let k0 = SIMD4<UInt32>(0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5)
private let k1 = SIMD4<UInt32>(0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5)
private let k2 = SIMD4<UInt32>(0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3)
private let k3 = SIMD4<UInt32>(0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174)
private let k4 = SIMD4<UInt32>(0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc)
private let k5 = SIMD4<UInt32>(0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da)
private let k6 = SIMD4<UInt32>(0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7)
private let k7 = SIMD4<UInt32>(0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967)
private let k8 = SIMD4<UInt32>(0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13)
private let k9 = SIMD4<UInt32>(0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85)
private let k10 = SIMD4<UInt32>(0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3)
private let k11 = SIMD4<UInt32>(0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070)
private let k12 = SIMD4<UInt32>(0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5)
private let k13 = SIMD4<UInt32>(0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3)
private let k14 = SIMD4<UInt32>(0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208)
private let k15 = SIMD4<UInt32>(0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2)

@inline(never)
private func shaNIBlocks(_ state: UnsafeMutablePointer<UInt32>, _ blocks: UnsafeRawPointer, _ count: Int) {
  let (a, b, c, d) = (state[0], state[1], state[2], state[3])
  let (e, f, g, h) = (state[4], state[5], state[6], state[7])
  var abef = SIMD4<UInt32>(f, e, b, a), cdgh = SIMD4<UInt32>(h, g, d, c)
  let constants = (k0, k1, k2, k3, k4, k5, k6, k7, k8, k9, k10, k11, k12, k13, k14, k15)
  var p = blocks
  for _ in 0..<count {
    let (savedABEF, savedCDGH) = (abef, cdgh)
    /// Four rounds: two on lanes 0-1 of `W + K`, two on lanes 2-3.
    @inline(__always) func rounds4(_ w: SIMD4<UInt32>, _ k: SIMD4<UInt32>) {
      let wk = w &+ k
      cdgh = rounds2(cdgh, abef, wk)
      abef = rounds2(abef, cdgh, SIMD4(wk[2], wk[3], wk[2], wk[3]))
    }
    var w0 = bigEndianWords(p, 0), w1 = bigEndianWords(p, 16)
    var w2 = bigEndianWords(p, 32), w3 = bigEndianWords(p, 48)
    rounds4(w0, constants.0)
    rounds4(w1, constants.1)
    rounds4(w2, constants.2)
    rounds4(w3, constants.3)
    w0 = schedule(w0, w1, w2, w3); rounds4(w0, constants.4)
    w1 = schedule(w1, w2, w3, w0); rounds4(w1, constants.5)
    w2 = schedule(w2, w3, w0, w1); rounds4(w2, constants.6)
    w3 = schedule(w3, w0, w1, w2); rounds4(w3, constants.7)
    w0 = schedule(w0, w1, w2, w3); rounds4(w0, constants.8)
    w1 = schedule(w1, w2, w3, w0); rounds4(w1, constants.9)
    w2 = schedule(w2, w3, w0, w1); rounds4(w2, constants.10)
    w3 = schedule(w3, w0, w1, w2); rounds4(w3, constants.11)
    w0 = schedule(w0, w1, w2, w3); rounds4(w0, constants.12)
    w1 = schedule(w1, w2, w3, w0); rounds4(w1, constants.13)
    w2 = schedule(w2, w3, w0, w1); rounds4(w2, constants.14)
    w3 = schedule(w3, w0, w1, w2); rounds4(w3, constants.15)
    abef &+= savedABEF
    cdgh &+= savedCDGH
    p += 64
  }
  state[0] = abef[3]; state[1] = abef[2]; state[2] = cdgh[3]; state[3] = cdgh[2]
  state[4] = abef[1]; state[5] = abef[0]; state[6] = cdgh[1]; state[7] = cdgh[0]
}
#endif
