import KernelIntrinsicsSHA

/// SHA-256's block function (FIPS 180-4 §6.2.2) over whole 64-byte blocks, on the x86 SHA extensions when the CPU
/// has them (KernelIntrinsicsSHA), else in portable Swift. The padding and the digest are `SHA256Hasher`'s.
package enum SHA256Blocks {
  /// The eight words `H0...H7` of the hash value.
  package typealias State = (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)

  /// The initial hash value, FIPS 180-4 §5.3.3.
  package static let initialState: State = (
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
  )

  /// A way to compute the block function. Both give the same state; `best` is chosen once per process.
  package enum Path: String, Sendable, CaseIterable {
    /// `sha256rnds2` / `sha256msg1` / `sha256msg2` (x86_64 with `sha_ni`, built without CLIP_WORKER_PORTABLE).
    case shaNI = "sha-ni"
    /// Portable Swift: the rounds unrolled on local variables, the schedule in a stack buffer.
    case portable

    /// Whether this build and this CPU can run the path.
    package var isAvailable: Bool {
      switch self {
      case .shaNI: SHA256NIKernel.isCompiled && CPUFeatures.current.missing(SHA256Blocks.shaNIFlags).isEmpty
      case .portable: true
      }
    }
  }

  /// What the SHA-NI kernel needs: the SHA extensions, and SSSE3/SSE4.1 that its module is compiled with.
  package static let shaNIFlags = ["sha_ni", "ssse3", "sse4_1"]

  /// The fastest path this build and CPU have, chosen on first use.
  package static let best: Path = Path.shaNI.isAvailable ? .shaNI : .portable

  /// Compresses `blocks` consecutive 64-byte blocks of `bytes`, starting at `offset`, into `state`.
  ///
  /// - Precondition: `offset >= 0`, `blocks >= 0`, `offset + 64 * blocks <= bytes.count`, and `path.isAvailable`.
  /// - Complexity: O(`blocks`).
  package static func compress(_ state: inout State, _ bytes: [UInt8], offset: Int, blocks: Int, path: Path = best) {
    precondition(offset >= 0 && blocks >= 0 && blocks <= (bytes.count - offset) / 64,
                 "SHA256Blocks.compress: \(blocks) blocks at \(offset) of \(bytes.count) bytes")
    guard blocks > 0 else { return }
    bytes.withUnsafeBytes { raw in compress(&state, raw.baseAddress! + offset, blocks: blocks, path: path) }
  }

  /// `compress` on raw memory: `blocks * 64` readable bytes at `start`.
  package static func compress(_ state: inout State, _ start: UnsafeRawPointer, blocks: Int, path: Path = best) {
    switch path {
    case .shaNI:
      precondition(path.isAvailable, "SHA256Blocks.compress: no SHA-NI on this CPU or in this build")
      withUnsafeMutableBytes(of: &state) { words in
        SHA256NIKernel.compress(state: words.baseAddress!.assumingMemoryBound(to: UInt32.self), blocks: start,
                                count: blocks)
      }
    case .portable:
      portableBlocks(&state, start, blocks)
    }
  }
}

// MARK: - Portable

/// The round constants K, FIPS 180-4 §4.2.2.
private let roundConstants: [UInt32] = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]

@inline(__always) private func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { x >> n | x << (32 &- n) }

/// One round, the eight working variables named by their role in it: the caller rotates the names instead of
/// moving the values (`d += T1`, `h = T1 + T2`; FIPS 180-4 §6.2.2 step 3), `kw` being `K[t] + W[t]`.
@inline(__always)
private func round(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32, _ e: UInt32, _ f: UInt32,
                   _ g: UInt32, _ h: inout UInt32, _ kw: UInt32) {
  let t1 = h &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ (g ^ (e & (f ^ g))) &+ kw
  let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) | (c & (a | b)))
  d &+= t1
  h = t1 &+ t2
}

/// The block function on local variables: the 64 schedule words, with K added, in a stack buffer, then the rounds
/// eight at a time (one rotation of the names).
@inline(never)
private func portableBlocks(_ state: inout SHA256Blocks.State, _ start: UnsafeRawPointer, _ count: Int) {
  roundConstants.withUnsafeBufferPointer { constants in
    let k = constants.baseAddress!
    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { buffer in
      let w = buffer.baseAddress!
      var (h0, h1, h2, h3, h4, h5, h6, h7) = state
      var p = start
      for _ in 0..<count {
        for t in 0..<16 { w[t] = UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 4 &* t, as: UInt32.self)) }
        for t in 16..<64 {
          let w15 = w[t &- 15], w2 = w[t &- 2]
          let s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >> 3)
          let s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >> 10)
          w[t] = w[t &- 16] &+ s0 &+ w[t &- 7] &+ s1
        }
        var (a, b, c, d, e, f, g, h) = (h0, h1, h2, h3, h4, h5, h6, h7)
        var t = 0
        while t < 64 {
          round(a, b, c, &d, e, f, g, &h, k[t] &+ w[t])
          round(h, a, b, &c, d, e, f, &g, k[t &+ 1] &+ w[t &+ 1])
          round(g, h, a, &b, c, d, e, &f, k[t &+ 2] &+ w[t &+ 2])
          round(f, g, h, &a, b, c, d, &e, k[t &+ 3] &+ w[t &+ 3])
          round(e, f, g, &h, a, b, c, &d, k[t &+ 4] &+ w[t &+ 4])
          round(d, e, f, &g, h, a, b, &c, k[t &+ 5] &+ w[t &+ 5])
          round(c, d, e, &f, g, h, a, &b, k[t &+ 6] &+ w[t &+ 6])
          round(b, c, d, &e, f, g, h, &a, k[t &+ 7] &+ w[t &+ 7])
          t &+= 8
        }
        h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d; h4 &+= e; h5 &+= f; h6 &+= g; h7 &+= h
        p += 64
      }
      state = (h0, h1, h2, h3, h4, h5, h6, h7)
    }
  }
}
