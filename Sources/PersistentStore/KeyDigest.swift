/// The 64-bit digest a key is indexed under: FNV-1a 64 over the key's bytes (offset basis 0xCBF29CE484222325,
/// prime 0x100000001B3), with 0 replaced by 1 (0 marks an empty slot of the index). Hint files store it, so it is
/// part of the on-disk format. Two keys with one digest cannot be confused: every lookup compares the full key
/// stored in the record; they only shadow each other in the index (a miss, never a wrong vector).
public enum KeyDigest {
  public static func of(_ key: [UInt8]) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in key { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    return hash == 0 ? 1 : hash
  }
}
