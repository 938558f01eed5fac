/// Splits a byte stream into the protocol's lines: one message per line, ended by `\n`, with a `\r`
/// before it accepted and removed. Lines holding only whitespace are skipped. A line longer than
/// `maxLineBytes` is not kept: its bytes are counted and discarded up to the next `\n`, and it is reported
/// as `.oversized`, so a hostile sender cannot make the reader hold more than `maxLineBytes`.
public struct LineFramer: Sendable {
  /// One unit the framer found.
  public enum Frame: Equatable, Sendable {
    /// A complete line, without its terminator.
    case line([UInt8])
    /// A line of `byteCount` bytes (without terminator) that exceeded the limit and was discarded.
    case oversized(byteCount: Int)
    /// Input that the framing cannot read (a bad `Content-Length` header, see `HeaderFramer`); the
    /// payload says why. `LineFramer` itself never reports it.
    case malformed(String)
  }

  /// The default bound on one message: 100 MiB (a batch of large base64 images fits).
  public static let defaultMaxLineBytes = 100 * 1024 * 1024

  /// The longest line kept, in bytes, without its terminator.
  public let maxLineBytes: Int
  private var buffer: [UInt8] = []
  /// The length of the line being discarded, or nil when the current line is being kept.
  private var discardedLength: Int?

  public init(maxLineBytes: Int = defaultMaxLineBytes) {
    precondition(maxLineBytes > 0, "LineFramer: maxLineBytes must be positive")
    self.maxLineBytes = maxLineBytes
  }

  /// Takes the next bytes of the stream and returns the frames they complete, in order.
  /// - Complexity: O(n) in the length of `chunk`.
  public mutating func push(_ chunk: some Collection<UInt8>) -> [Frame] {
    var frames: [Frame] = []
    var rest = chunk[...]
    while let newline = rest.firstIndex(of: 0x0A) {
      take(rest[rest.startIndex..<newline])
      if let frame = endLine() { frames.append(frame) }
      rest = rest[rest.index(after: newline)...]
    }
    take(rest)
    return frames
  }

  /// Ends the stream: a last line without a terminator is still a line.
  public mutating func finish() -> Frame? { endLine() }

  private mutating func take(_ bytes: some Collection<UInt8>) {
    if let discarded = discardedLength {
      discardedLength = discarded + bytes.count
    } else if buffer.count + bytes.count > maxLineBytes + 1 {
      // One byte of slack for the `\r` of a `\r\n` terminator, which is not part of the line.
      discardedLength = buffer.count + bytes.count
      buffer = []
    } else {
      buffer.append(contentsOf: bytes)
    }
  }

  private mutating func endLine() -> Frame? {
    if let discarded = discardedLength {
      discardedLength = nil
      return .oversized(byteCount: discarded)
    }
    var line = buffer
    buffer = []
    if line.last == 0x0D { line.removeLast() }
    if line.count > maxLineBytes { return .oversized(byteCount: line.count) }
    if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
    return .line(line)
  }
}
