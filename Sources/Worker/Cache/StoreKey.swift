import Foundation

/// The persistent store's keys (issue 16): `<model identity> 0x00 <kind> 0x00 <content>`, content being the 32 raw
/// bytes of the image file's SHA-256 or the final text's UTF-8. The model identity is built by
/// `WorkerContext.storeIdentity(of:)` (id, precision, `ModelFingerprint.of(directory:)`, version, architecture), so
/// that two models never share entries.
enum StoreKey {
  /// The instruction-set family the kernels were built for, part of the model identity.
  static var architecture: String {
    #if arch(x86_64)
      return "x86_64"
    #elseif arch(arm64)
      return "arm64"
    #else
      return "other"
    #endif
  }

  static func bytes(for key: CacheKey, identity: String) -> [UInt8] {
    let content: [UInt8]
    switch key.kind {
    case .text: content = Array(key.content.utf8)
    case .image: content = rawDigest(hex: key.content)
    }
    return Array(identity.utf8) + [0] + Array(key.kind.rawValue.utf8) + [0] + content
  }

  private static func rawDigest(hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    func value(_ digit: UInt8) -> UInt8 { digit <= 0x39 ? digit - 0x30 : (digit | 0x20) - 0x61 + 10 }
    return stride(from: 0, to: digits.count - 1, by: 2).map { value(digits[$0]) << 4 | value(digits[$0 + 1]) }
  }
}

/// A fingerprint of a checkpoint directory, cheap enough for every start (see README "Persistent store"):
/// SHA-256 over, for each entry of the directory in name order: its name; the target of the symbolic link when it
/// is one (in a Hub snapshot, `../../blobs/<ETag>`); its size; for `.safetensors` files also the modification time
/// (ns), the inode, the 8-byte header length and the JSON header (at most 16 MiB), and 16 blocks of 4 KiB at
/// evenly spaced offsets; for every other file its whole contents (at most 16 MiB, else the first 16 MiB).
/// The directory path itself is in the identity already (for a Hub snapshot it holds the resolved commit).
enum ModelFingerprint {
  static func of(directory: String) -> String {
    var hash = SHA256()
    let manager = FileManager.default
    let names = ((try? manager.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    for name in names where !name.hasPrefix(".") {
      let path = directory + "/" + name
      hash.update(Array(name.utf8) + [0])
      if let target = try? manager.destinationOfSymbolicLink(atPath: path) { hash.update(Array(target.utf8) + [0]) }
      var info = stat()
      guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
      hash.update(bytes(of: UInt64(info.st_size)))
      guard let file = FileHandle(forReadingAtPath: path) else { continue }
      defer { try? file.close() }
      let size = UInt64(info.st_size)
      let limit = 16 << 20
      if name.hasSuffix(".safetensors") {
        hash.update(bytes(of: UInt64(info.st_mtim.tv_sec) &* 1_000_000_000 &+ UInt64(info.st_mtim.tv_nsec)))
        hash.update(bytes(of: UInt64(info.st_ino)))
        let lengthBytes = [UInt8](read(file, at: 0, count: 8))
        hash.update(lengthBytes)
        if lengthBytes.count == 8 {
          let length = lengthBytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
          hash.update(read(file, at: 8, count: Int(min(length, UInt64(limit)))))
        }
        for block in 0..<16 where size > 0 {
          hash.update(read(file, at: size / 16 * UInt64(block), count: 4096))
        }
      } else {
        hash.update(read(file, at: 0, count: limit))
      }
    }
    return hash.finalize().map { String(format: "%02x", $0) }.joined()
  }

  private static func read(_ file: FileHandle, at offset: UInt64, count: Int) -> [UInt8] {
    guard (try? file.seek(toOffset: offset)) != nil, let data = try? file.read(upToCount: count) else { return [] }
    return [UInt8](data)
  }

  private static func bytes(of value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
}
