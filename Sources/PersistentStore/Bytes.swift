#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// The byte-level helpers of the store: little-endian fields read from and appended to `[UInt8]`, Float32 vectors
// converted to and from their bytes, and whole-range `pread`/`pwrite`. Unsafe pointers are confined to this file
// and `CRC32C.swift`: every function checks its bounds before touching memory, so the format code above it works
// with indices only.

#if _endian(big)
  #error("PersistentStore's on-disk format is little-endian; the Float32 copies below assume a little-endian host")
#endif

extension Array where Element == UInt8 {
  @inline(__always) func loadLE<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
    precondition(offset >= 0 && offset + MemoryLayout<T>.size <= count, "PersistentStore: read past the bytes")
    return withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
  }

  @inline(__always) func uint16(at offset: Int) -> UInt16 { loadLE(UInt16.self, at: offset) }
  @inline(__always) func uint32(at offset: Int) -> UInt32 { loadLE(UInt32.self, at: offset) }
  @inline(__always) func uint64(at offset: Int) -> UInt64 { loadLE(UInt64.self, at: offset) }

  mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
    Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
  }

  /// Overwrites `MemoryLayout<T>.size` bytes at `offset`.
  mutating func storeLE<T: FixedWidthInteger>(_ value: T, at offset: Int) {
    precondition(offset >= 0 && offset + MemoryLayout<T>.size <= count, "PersistentStore: write past the bytes")
    withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self) }
  }

  mutating func appendFloats(_ values: [Float]) {
    values.withUnsafeBytes { append(contentsOf: $0) }
  }

  /// The `count` Float32 values stored little-endian at `offset`.
  func floats(at offset: Int, count: Int) -> [Float] {
    precondition(offset >= 0 && count >= 0 && offset + 4 * count <= self.count, "PersistentStore: floats past the bytes")
    return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
      withUnsafeBytes { source in
        UnsafeMutableRawBufferPointer(buffer).copyMemory(
          from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + 4 * count]))
      }
      initialized = count
    }
  }

  /// Whether `self[offset..<offset + other.count] == other`.
  func matches(_ other: [UInt8], at offset: Int) -> Bool {
    guard offset >= 0, offset + other.count <= count else { return false }
    return withUnsafeBytes { mine in
      other.withUnsafeBytes { theirs in
        theirs.count == 0 || memcmp(mine.baseAddress! + offset, theirs.baseAddress!, theirs.count) == 0
      }
    }
  }
}

/// Whole-range file I/O on descriptors, retrying short transfers and EINTR.
enum FileIO {
  /// `count` bytes at `offset`, or fewer when the file ends first; nil on an error.
  static func read(_ fd: Int32, offset: Int, count: Int) -> [UInt8]? {
    precondition(offset >= 0 && count >= 0, "FileIO.read: negative range")
    var failed = false
    var bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
      var done = 0
      while done < count {
        let n = pread(fd, buffer.baseAddress! + done, count - done, off_t(offset + done))
        if n > 0 { done += n } else if n == 0 { break } else if errno != EINTR { failed = true; break }
      }
      initialized = done
    }
    if failed { bytes = [] }
    return failed ? nil : bytes
  }

  /// Writes all of `bytes` at `offset`; 0, or the errno of the failure (some bytes may have been written).
  static func write(_ fd: Int32, _ bytes: [UInt8], offset: Int) -> Int32 {
    bytes.withUnsafeBytes { buffer in
      var done = 0
      while done < buffer.count {
        let n = pwrite(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
        if n > 0 { done += n } else if n < 0 && errno == EINTR { continue } else { return n == 0 ? EIO : errno }
      }
      return 0
    }
  }

  /// The size of the open file, or nil.
  static func size(_ fd: Int32) -> Int? {
    var info = stat()
    return fstat(fd, &info) == 0 ? Int(info.st_size) : nil
  }

  /// Whether the open file still has a name (clear() or a compaction in another process may unlink it).
  static func isLinked(_ fd: Int32) -> Bool {
    var info = stat()
    return fstat(fd, &info) == 0 && info.st_nlink > 0
  }

  /// The whole file at `path`, or nil when it cannot be opened or read.
  static func readFile(_ path: String, limit: Int) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    guard let size = size(fd), size <= limit else { return nil }
    return read(fd, offset: 0, count: size)
  }

  /// Writes `bytes` to `path` atomically: a temporary file beside it, then rename. 0 or the errno.
  static func writeFileAtomically(_ path: String, _ bytes: [UInt8], temporary: String) -> Int32 {
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { return errno }
    let status = write(fd, bytes, offset: 0)
    close(fd)
    guard status == 0 else { unlink(temporary); return status }
    guard rename(temporary, path) == 0 else { let e = errno; unlink(temporary); return e }
    return 0
  }

  static func errorDescription(_ code: Int32) -> String { String(cString: strerror(code)) }
}
