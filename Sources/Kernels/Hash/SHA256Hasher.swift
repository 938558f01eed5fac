/// SHA-256 (FIPS 180-4) of a message given in pieces: the padding and the digest around `SHA256Blocks`.
/// Worker's `SHA256` (the image cache's keys) is this with the fastest path.
package struct SHA256Hasher {
  private var state = SHA256Blocks.initialState
  /// Bytes not yet making a whole 64-byte block (fewer than 64).
  private var pending: [UInt8] = []
  private var totalLength: UInt64 = 0
  private let path: SHA256Blocks.Path

  /// - Precondition: `path.isAvailable`.
  package init(path: SHA256Blocks.Path = SHA256Blocks.best) {
    precondition(path.isAvailable, "SHA256Hasher: path \(path) is not available on this CPU or in this build")
    self.path = path
    pending.reserveCapacity(64)
  }

  /// Adds message bytes.
  /// - Complexity: O(n).
  package mutating func update(_ bytes: [UInt8]) {
    totalLength &+= UInt64(bytes.count)
    var offset = 0
    if !pending.isEmpty {
      let taken = min(64 - pending.count, bytes.count)
      pending.append(contentsOf: bytes[0..<taken])
      offset = taken
      guard pending.count == 64 else { return }
      SHA256Blocks.compress(&state, pending, offset: 0, blocks: 1, path: path)
      pending.removeAll(keepingCapacity: true)
    }
    let blocks = (bytes.count - offset) / 64
    SHA256Blocks.compress(&state, bytes, offset: offset, blocks: blocks, path: path)
    offset += 64 * blocks
    if offset < bytes.count { pending.append(contentsOf: bytes[offset...]) }
  }

  /// Pads the message (FIPS 180-4 §5.1.1) and returns the 32-byte digest. The hasher is spent afterwards.
  package mutating func finalize() -> [UInt8] {
    let bitLength = totalLength &* 8
    var tail = pending
    tail.append(0x80)
    tail.append(contentsOf: repeatElement(0, count: (120 - tail.count) % 64))
    for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bitLength >> shift)) }
    assert(tail.count == 64 || tail.count == 128)
    SHA256Blocks.compress(&state, tail, offset: 0, blocks: tail.count / 64, path: path)
    pending.removeAll()
    let words = [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7]
    var digest = [UInt8]()
    digest.reserveCapacity(32)
    for word in words {
      for shift in stride(from: 24, through: 0, by: -8) { digest.append(UInt8(truncatingIfNeeded: word >> UInt32(shift))) }
    }
    return digest
  }

  /// The digest of `bytes`.
  package static func hash(_ bytes: [UInt8], path: SHA256Blocks.Path = SHA256Blocks.best) -> [UInt8] {
    var hasher = SHA256Hasher(path: path)
    hasher.update(bytes)
    return hasher.finalize()
  }
}
