import Testing

@testable import Worker

/// SHA-256 against the FIPS 180-4 / NIST example vectors, and incremental hashing against one-shot.
@Suite(.timeLimit(.minutes(5))) struct SHA256Tests {
  @Test(arguments: [
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    (
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    ),
    (
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
        + "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
    ),
    (
      "The quick brown fox jumps over the lazy dog",
      "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"
    ),
  ])
  func knownVectors(message: String, digest: String) {
    #expect(SHA256.hexDigest(Array(message.utf8)) == digest)
  }

  @Test func oneMillionAs() {
    #expect(
      SHA256.hexDigest([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
        == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  /// Lengths around the padding boundaries (55, 56, 63, 64 bytes) in chunks of every size agree with the
  /// one-shot digest.
  @Test func incrementalUpdatesMatchOneShot() {
    let message = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    for length in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 200] {
      let whole = SHA256.hash(Array(message.prefix(length)))
      for chunk in [1, 3, 63, 64, 100] {
        var hasher = SHA256()
        var rest = message.prefix(length)[...]
        while !rest.isEmpty {
          hasher.update(Array(rest.prefix(chunk)))
          rest = rest.dropFirst(chunk)
        }
        #expect(hasher.finalize() == whole, "length \(length), chunk \(chunk)")
      }
    }
    #expect(SHA256.hash(Array(message.prefix(56))).count == 32)
  }
}
