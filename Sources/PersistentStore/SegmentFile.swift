#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An open segment file. Readers hold it while they read, so a compaction or `clear()` that unlinks the file
/// (in this process or another) never pulls the bytes from under them: the descriptor closes with the last holder.
final class SegmentFile: Sendable {
  /// The file name without `.seg`.
  let name: String
  let fd: Int32
  let writable: Bool

  init(name: String, fd: Int32, writable: Bool) {
    self.name = name
    self.fd = fd
    self.writable = writable
  }

  deinit { close(fd) }
}

/// What the store knows about one segment.
struct SegmentState {
  let file: SegmentFile
  /// Bytes of the file known (records and dead bytes).
  var size: Int
  /// Bytes of the records the index points at.
  var liveBytes = 0
  /// Every record in the file is known: it was sealed when loaded, scanned after its writer died, or written here.
  /// Only complete segments may be compacted or deleted by `clear()`.
  var complete: Bool
  /// It has a valid hint file and takes no more records.
  var sealed: Bool
}
