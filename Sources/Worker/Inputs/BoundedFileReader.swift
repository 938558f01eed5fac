import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads an image file named by a request, refusing anything that could make the worker block or read
/// without end: only regular files are read (a device such as `/dev/zero`, a FIFO or a socket is refused
/// before any byte is read), and never more than `maxBytes` (a file that grows while it is read is cut off
/// at the limit and refused).
///
/// Paths are Swift strings, so a path is UTF-8 on the wire and on disk: a file whose name is not valid UTF-8
/// cannot be named in a request (JSON strings are Unicode); send its bytes as `data` instead.
enum BoundedFileReader {
  /// The file's bytes. Throws the reason as an `InputError`. `policy` is checked before the open and on
  /// the opened file (`PathPolicy`).
  static func read(_ path: String, maxBytes: Int, policy: PathPolicy = .any) throws(InputError) -> [UInt8] {
    try policy.checkBeforeOpening(path)
    // O_NONBLOCK: opening a FIFO with no writer must not wait for one. It does not affect regular files.
    let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard descriptor >= 0 else { throw failure(errno, path) }
    defer { close(descriptor) }
    try policy.checkOpened(descriptor, path: path)
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw failure(errno, path) }
    let type = status.st_mode & S_IFMT
    guard type != S_IFDIR else { throw .isDirectory(path) }
    guard type == S_IFREG else { throw .notRegularFile(path) }
    guard Int(status.st_size) <= maxBytes else {
      throw .fileTooLarge(path, byteCount: Int(status.st_size), limit: maxBytes)
    }
    // Read to the end, but stop one chunk past the limit: the file may have grown since fstat.
    var bytes: [UInt8] = []
    bytes.reserveCapacity(Int(status.st_size))
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while bytes.count <= maxBytes {
      let count = readSome(descriptor, into: &chunk)
      if count < 0 && errno == EINTR { continue }
      guard count >= 0 else { throw failure(errno, path) }
      guard count > 0 else { return bytes }
      bytes.append(contentsOf: chunk[..<count])
    }
    throw .fileTooLarge(path, byteCount: bytes.count, limit: maxBytes)
  }

  private static func failure(_ code: Int32, _ path: String) -> InputError {
    switch code {
    case ENOENT, ENOTDIR: return .noSuchFile(path)
    case EISDIR: return .isDirectory(path)
    default: return .unreadable(path, String(cString: strerror(code)))
    }
  }
}

/// `read(2)` into `buffer`, named apart from `BoundedFileReader.read`.
private func readSome(_ descriptor: Int32, into buffer: inout [UInt8]) -> Int {
  buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
}
