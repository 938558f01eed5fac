import Foundation
import Synchronization

/// Reads a file descriptor to its end and hands each frame to a closure: the input side of the transport.
public struct LineReader {
  public let fileDescriptor: Int32
  public var framer: LineFramer
  /// Bytes asked of each read.
  public var chunkSize = 64 * 1024

  public init(fileDescriptor: Int32, maxLineBytes: Int = LineFramer.defaultMaxLineBytes) {
    self.fileDescriptor = fileDescriptor
    framer = LineFramer(maxLineBytes: maxLineBytes)
  }

  /// Blocks, reading until end of file (a read error ends the input the same way), calling `onFrame` for
  /// every frame in order. `onFrame` returning false stops reading early; so does `stop`, once requested, at
  /// the first pause in the input.
  public mutating func run(stop: ReadStop? = nil, _ onFrame: (LineFramer.Frame) -> Bool) {
    var chunk = [UInt8](repeating: 0, count: chunkSize)
    var stopRequested = false
    while true {
      if let stop, !stop.waitForInput(fileDescriptor, requested: &stopRequested) { break }
      let count = Self.readAvailable(fileDescriptor, into: &chunk)
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else { break }
      for frame in framer.push(chunk[..<count]) where !onFrame(frame) { return }
    }
    if let frame = framer.finish() { _ = onFrame(frame) }
  }

  /// One read(2) into `buffer`: the byte count, 0 at end of file, or -1 with `errno` set.
  ///
  /// read(2) directly, because it returns whatever has arrived, where FileHandle.read(upToCount:) waits until the
  /// count is reached, which would hold a short request back until more input comes. The system call needs a
  /// raw buffer pointer; this is the one place outside the Kernels module that takes one (system-call interop,
  /// not numeric code), and the pointer does not outlive the call.
  static func readAvailable(_ fileDescriptor: Int32, into buffer: inout [UInt8]) -> Int {
    buffer.withUnsafeMutableBytes { read(fileDescriptor, $0.baseAddress, $0.count) }
  }
}

/// Writes one message per line to a file descriptor; safe to call from any thread, and each message is
/// written whole before the next one starts, so concurrent responses never interleave.
public final class LineWriter: Sendable {
  public let fileDescriptor: Int32
  /// The handle, and whether a write has failed; the lock also keeps each line whole.
  private let output: Mutex<(handle: FileHandle, failed: Bool)>

  public init(fileDescriptor: Int32) {
    self.fileDescriptor = fileDescriptor
    output = Mutex((FileHandle(fileDescriptor: fileDescriptor, closeOnDealloc: false), false))
  }

  /// Writes `message` and a `\n`. Returns false when the descriptor no longer accepts output (the reader
  /// went away: `EPIPE`, with SIGPIPE ignored); every later call then returns false without writing.
  @discardableResult
  public func write(_ message: [UInt8]) -> Bool {
    var line = Data(message)
    line.append(0x0A)
    return output.withLock { output in
      guard !output.failed else { return false }
      do {
        try output.handle.write(contentsOf: line)
        return true
      } catch {
        output.failed = true
        return false
      }
    }
  }
}
