import Foundation
import Testing

@testable import Kernels
import KernelIntrinsicsSHA

/// SHA-256 on every block-function path this build and CPU have (SHA-NI and portable on an x86_64 CPU with
/// `sha_ni`): the FIPS 180-4 / NIST example vectors, hashlib's digests of every length 0...300 and of 26 lengths
/// up to 1 MiB (`Fixtures/sha256/make_sha256_fixtures.py`), incremental hashing in odd pieces, and the paths
/// against each other on random bytes.
@Suite(.timeLimit(.minutes(5))) struct SHA256BlocksTests {
  static let paths = SHA256Blocks.Path.allCases.filter(\.isAvailable)

  static func hex(_ digest: [UInt8]) -> String { digest.map { String(format: "%02x", $0) }.joined() }

  /// The fixture script's message: byte i is `(x >> 24 ^ x >> 11) & 0xff`, `x = (i + 1) · 0x9E3779B1 mod 2³²`.
  static func message(_ length: Int) -> [UInt8] {
    (0..<length).map { i in
      let x = UInt32(truncatingIfNeeded: i &+ 1) &* 0x9E37_79B1
      return UInt8(truncatingIfNeeded: x >> 24 ^ x >> 11)
    }
  }

  /// `(length, digest)` from `digests.txt`.
  static func fixtureDigests() throws -> [(length: Int, digest: String)] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Fixtures/sha256/digests.txt")
    let text = try String(contentsOf: url, encoding: .utf8)
    return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
      let fields = line.split(separator: " ")
      guard fields.count == 2, let length = Int(fields[0]) else { return nil }
      return (length, String(fields[1]))
    }
  }

  /// On this project's machines (x86_64 Linux with `sha_ni`, not a portable build) both paths are tested: a CPU or
  /// build without them tests only the portable one, and says so here.
  @Test func bothPathsAreTestedWhereTheCPUHasSHANI() {
    #expect(Self.paths.contains(.portable))
    let cpuHasIt = CPUFeatures.current.missing(SHA256Blocks.shaNIFlags).isEmpty
    #expect(SHA256Blocks.Path.shaNI.isAvailable == (cpuHasIt && SHA256NIKernel.isCompiled))
    #expect(SHA256Blocks.best == (SHA256Blocks.Path.shaNI.isAvailable ? .shaNI : .portable))
    #if arch(x86_64) && os(Linux)
    if cpuHasIt && !SHA256NIKernel.isCompiled { Issue.record("CPU has sha_ni but this build has no SHA-NI kernel") }
    #endif
  }

  @Test(arguments: [
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
  ])
  func nistVectors(message: String, digest: String) {
    for path in Self.paths {
      #expect(Self.hex(SHA256Hasher.hash(Array(message.utf8), path: path)) == digest, "\(path)")
    }
  }

  @Test func oneMillionAs() {
    let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
    for path in Self.paths {
      #expect(Self.hex(SHA256Hasher.hash(message, path: path))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "\(path)")
    }
  }

  /// Every length 0...300 (all the padding cases: 55, 56, 63, 64 bytes and their multiples) and 26 up to 1 MiB.
  @Test func matchesHashlib() throws {
    let fixtures = try Self.fixtureDigests()
    try #require(fixtures.count == 327)
    try #require(Array(fixtures.map(\.length).prefix(301)) == Array(0...300))
    let full = Self.message(fixtures.map(\.length).max()!)
    for path in Self.paths {
      var wrong = 0
      for (length, digest) in fixtures where Self.hex(SHA256Hasher.hash(Array(full.prefix(length)), path: path)) != digest {
        if wrong < 5 { Issue.record("\(path): length \(length)") }
        wrong += 1
      }
      #expect(wrong == 0, "\(path): \(wrong) of \(fixtures.count) digests differ from hashlib's")
    }
  }

  /// Pieces of odd sizes (a piece at a time, so the pending-bytes path runs across block boundaries) give the
  /// one-shot digest.
  @Test func incrementalUpdatesMatchOneShot() {
    let message = Self.message(70_000)
    for path in Self.paths {
      for length in [0, 1, 55, 56, 57, 63, 64, 65, 127, 128, 129, 300, 4097, 70_000] {
        let whole = SHA256Hasher.hash(Array(message.prefix(length)), path: path)
        for piece in [1, 3, 7, 55, 63, 64, 65, 127, 1000, 4099] where piece <= max(length, 1) * 2 {
          var hasher = SHA256Hasher(path: path)
          var start = 0
          while start < length {
            let end = min(start + piece, length)
            hasher.update(Array(message[start..<end]))
            start = end
          }
          #expect(hasher.finalize() == whole, "\(path): length \(length), pieces of \(piece)")
        }
      }
    }
  }

  /// The paths agree on random bytes of random lengths, and on blocks at every misalignment.
  @Test func pathsAgreeOnRandomInput() {
    var random = Random(0x5AA_256)
    for _ in 0..<40 {
      let length = Int(random.next() % 300_000)
      let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
      let digests = Set(Self.paths.map { SHA256Hasher.hash(bytes, path: $0) })
      #expect(digests.count == 1, "length \(length)")
    }
    let bytes = (0..<(64 * 5 + 8)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    for offset in 0..<8 {
      let states = Self.paths.map { path in
        var state = SHA256Blocks.initialState
        SHA256Blocks.compress(&state, bytes, offset: offset, blocks: 5, path: path)
        return [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7]
      }
      #expect(Set(states).count == 1, "offset \(offset)")
    }
  }
}
