import Foundation
import Synchronization

/// How messages are delimited on the wire.
public enum Framing: Equatable, Sendable {
  /// One JSON message per line, `\n`-terminated (the default).
  case lines
  /// LSP's `Content-Length: N\r\n\r\n<body>` (see `HeaderFramer`).
  case headers

  /// The bytes written for one serialized message.
  public func frame(_ message: [UInt8]) -> [UInt8] {
    switch self {
    case .lines: return message + [0x0A]
    case .headers: return Array("Content-Length: \(message.count)\r\n\r\n".utf8) + message
    }
  }
}

extension RPCError {
  /// A message the framing cannot read (a bad `Content-Length` header block): a parse error, with a null id.
  public static func badFraming(_ why: String) -> RPCError {
    RPCError(code: Code.parseError, message: "Parse error: \(why)")
  }
}

/// A framer that tells the framing from the first bytes of the stream, then reads it: leading whitespace is
/// skipped; a first byte `C` or `c` (as in `Content-Length:` or `Content-Type:`, which no JSON value starts
/// with) selects `.headers`, anything else `.lines`. The framing does not change afterwards.
public struct MessageFramer: Sendable {
  /// The framing, once the first non-whitespace byte has arrived.
  public private(set) var framing: Framing?
  private var lines: LineFramer
  private var headers: HeaderFramer

  public init(maxMessageBytes: Int = LineFramer.defaultMaxLineBytes) {
    lines = LineFramer(maxLineBytes: maxMessageBytes)
    headers = HeaderFramer(maxBodyBytes: maxMessageBytes)
  }

  /// Takes the next bytes of the stream and returns the frames they complete, in order.
  public mutating func push(_ chunk: some Collection<UInt8>) -> [LineFramer.Frame] {
    var rest = chunk[...]
    if framing == nil {
      // Whitespace before the first message means nothing in either framing: dropped, never held.
      rest = rest.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
      guard let first = rest.first else { return [] }
      framing = first | 0x20 == UInt8(ascii: "c") ? .headers : .lines
    }
    return framing == .headers ? headers.push(rest) : lines.push(rest)
  }

  /// Ends the stream (see `LineFramer.finish` and `HeaderFramer.finish`).
  public mutating func finish() -> LineFramer.Frame? {
    switch framing {
    case .lines?: return lines.finish()
    case .headers?: return headers.finish()
    case nil: return nil
    }
  }
}

/// Reads a file descriptor to its end as `LineReader` does, in the framing the input starts with
/// (`MessageFramer`), and says which one before the first frame.
public struct FramedReader {
  public let fileDescriptor: Int32
  public var framer: MessageFramer
  public var chunkSize = 64 * 1024

  public init(fileDescriptor: Int32, maxMessageBytes: Int = LineFramer.defaultMaxLineBytes) {
    self.fileDescriptor = fileDescriptor
    framer = MessageFramer(maxMessageBytes: maxMessageBytes)
  }

  /// Blocks, reading until end of file, calling `onFraming` once when the framing is known (before the first
  /// frame), then `onFrame` for every frame in order; `onFrame` returning false, or `stop`, ends reading as
  /// in `LineReader.run`.
  public mutating func run(
    stop: ReadStop? = nil, onFraming: (Framing) -> Void, _ onFrame: (LineFramer.Frame) -> Bool
  ) {
    var chunk = [UInt8](repeating: 0, count: chunkSize)
    var stopRequested = false
    var told = false
    while true {
      if let stop, !stop.waitForInput(fileDescriptor, requested: &stopRequested) { break }
      let count = LineReader.readAvailable(fileDescriptor, into: &chunk)
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else { break }
      let frames = framer.push(chunk[..<count])
      if !told, let framing = framer.framing {
        told = true
        onFraming(framing)
      }
      for frame in frames where !onFrame(frame) { return }
    }
    if let frame = framer.finish() { _ = onFrame(frame) }
  }
}

/// Writes whole messages to a file descriptor in one framing (newline-delimited until told otherwise, which
/// the reader does before the first message is answered); safe to call from any thread, each message written
/// whole before the next starts.
public final class FramedWriter: Sendable {
  public let fileDescriptor: Int32
  private let output: Mutex<(handle: FileHandle, failed: Bool, framing: Framing)>

  public init(fileDescriptor: Int32, framing: Framing = .lines) {
    self.fileDescriptor = fileDescriptor
    output = Mutex((FileHandle(fileDescriptor: fileDescriptor, closeOnDealloc: false), false, framing))
  }

  public var framing: Framing {
    get { output.withLock { $0.framing } }
    set { output.withLock { $0.framing = newValue } }
  }

  /// Writes `message` in the framing. Returns false when the descriptor no longer accepts output (as
  /// `LineWriter.write`).
  @discardableResult
  public func write(_ message: [UInt8]) -> Bool {
    output.withLock { output in
      guard !output.failed else { return false }
      do {
        try output.handle.write(contentsOf: Data(output.framing.frame(message)))
        return true
      } catch {
        output.failed = true
        return false
      }
    }
  }
}
