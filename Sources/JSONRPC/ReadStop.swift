import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Asks a `LineReader` blocked on its input to read only what has already been sent and then stop, as if the
/// input had ended: once asked, the reader stops at the first pause of `idleMilliseconds` in the input (or at
/// its end). The worker asks after a failed load, so that requests already in the pipe are answered and the
/// process then exits even if the client keeps its end open.
///
/// A pipe wakes the reader: `request` may be called from any thread, before or during `run`.
public final class ReadStop: Sendable {
  public let idleMilliseconds: Int32
  /// The pipe's read and write ends.
  private let wake: (read: Int32, write: Int32)

  public init(idleMilliseconds: Int32 = 200) {
    self.idleMilliseconds = idleMilliseconds
    var ends: [Int32] = [-1, -1]
    if pipe(&ends) != 0 { ends = [-1, -1] }
    for end in ends where end >= 0 { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
    wake = (ends[0], ends[1])
  }

  deinit {
    if wake.read >= 0 { close(wake.read) }
    if wake.write >= 0 { close(wake.write) }
  }

  /// Asks the reader to stop once the input pauses.
  public func request() {
    var byte: UInt8 = 1
    _ = write(wake.write, &byte, 1)
  }

  /// Waits until `fileDescriptor` has input (or has ended): true. False when a stop was requested (now or
  /// before: `requested`) and no input came for `idleMilliseconds`.
  func waitForInput(_ fileDescriptor: Int32, requested: inout Bool) -> Bool {
    while true {
      var fds = [pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)]
      if !requested && wake.read >= 0 { fds.append(pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)) }
      let ready = poll(&fds, nfds_t(fds.count), requested ? idleMilliseconds : -1)
      if ready < 0 {
        if errno == EINTR { continue }
        return true  // let the read report the error
      }
      if ready == 0 { return false }
      if fds[0].revents != 0 { return true }
      if fds.count > 1 && fds[1].revents != 0 { requested = true }
    }
  }
}
