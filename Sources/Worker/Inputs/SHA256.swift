import Kernels

/// SHA-256 (FIPS 180-4), written out because Linux has no CryptoKit. The cache keys images by the digest
/// of their file bytes, so the same file reached by two paths, or sent inline, is one entry. The block function is
/// Kernels' `SHA256Blocks` (the x86 SHA extensions when the CPU has them, else portable Swift).
public struct SHA256 {
  private var hasher = SHA256Hasher()

  public init() {}

  /// The digest of `bytes`.
  public static func hash(_ bytes: [UInt8]) -> [UInt8] {
    var hasher = SHA256()
    hasher.update(bytes)
    return hasher.finalize()
  }

  /// The digest of `bytes` as 64 lowercase hexadecimal digits.
  public static func hexDigest(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text = [UInt8]()
    text.reserveCapacity(64)
    for byte in hash(bytes) {
      text.append(digits[Int(byte >> 4)])
      text.append(digits[Int(byte & 15)])
    }
    return String(decoding: text, as: UTF8.self)
  }

  /// Adds message bytes. (Concrete arrays rather than a generic collection: a generic public function is
  /// called unspecialized from other modules, which made hashing ten times slower.)
  /// - Complexity: O(n).
  public mutating func update(_ bytes: [UInt8]) { hasher.update(bytes) }

  /// Pads the message and returns the 32-byte digest.
  public mutating func finalize() -> [UInt8] { hasher.finalize() }
}
