/// Splits a byte stream framed as the Language Server Protocol frames it (what `vscode-jsonrpc` and editor
/// plugins speak): each message is a header block, `Content-Length: N\r\n`, optionally
/// `Content-Type: ...\r\n`, ended by an empty line `\r\n`, then exactly N bytes of UTF-8 JSON.
///
/// Header names are matched case-insensitively; a bare `\n` is accepted for `\r\n`; other headers are
/// ignored; blank lines before a header block are skipped. A body longer than `maxBodyBytes` is reported as
/// `.oversized` as soon as its header ends (so the sender hears of it at once) and its bytes are then counted
/// off and discarded, which keeps the stream in step. A malformed header block (a line that is not
/// `Name: value`, a Content-Length that is not a decimal number, none at all, a block longer than
/// `maxHeaderBytes`) is reported as `.malformed` and the framer then skips to the next `Content-Length:` in the
/// input: the body's length is unknown, so that is where the next message can start. The framer never holds
/// more than `maxBodyBytes` plus `maxHeaderBytes`.
public struct HeaderFramer: Sendable {
  /// The longest header block accepted, in bytes (its lines and terminators).
  public static let maxHeaderBytes = 4096

  /// The longest body kept, in bytes.
  public let maxBodyBytes: Int

  private enum State: Sendable {
    case headers
    /// Reading a body: the bytes still to come, and whether they are kept (false: over the limit).
    case body(remaining: Int, keep: Bool)
    /// After a malformed header: looking for the next `content-length:`.
    case resync
  }

  private var state = State.headers
  /// The header line being read (without its terminator).
  private var line: [UInt8] = []
  /// Bytes of the current header block so far.
  private var headerBytes = 0
  private var contentLength: Int?
  /// Whether the current block has a header line yet (blank lines before it are skipped).
  private var inBlock = false
  private var body: [UInt8] = []
  private var bodyLength = 0
  /// The last bytes seen while resynchronizing, in lower case.
  private var recent: [UInt8] = []

  private static let lengthName = Array("content-length".utf8)
  private static let resyncMarker = Array("content-length:".utf8)

  public init(maxBodyBytes: Int = LineFramer.defaultMaxLineBytes) {
    precondition(maxBodyBytes > 0, "HeaderFramer: maxBodyBytes must be positive")
    self.maxBodyBytes = maxBodyBytes
  }

  /// Takes the next bytes of the stream and returns the frames they complete, in order: `.line` holds one
  /// message's body.
  /// - Complexity: O(n) in the length of `chunk`.
  public mutating func push(_ chunk: some Collection<UInt8>) -> [LineFramer.Frame] {
    var frames: [LineFramer.Frame] = []
    var rest = chunk[...]
    while !rest.isEmpty {
      switch state {
      case let .body(remaining, keep):
        let taken = rest.prefix(remaining)
        if keep { body.append(contentsOf: taken) }
        rest = rest[taken.endIndex...]
        if remaining == taken.count {
          if keep { frames.append(.line(body)) }
          body = []
          state = .headers
        } else {
          state = .body(remaining: remaining - taken.count, keep: keep)
        }
      case .headers:
        let byte = rest.removeFirst()
        if byte == 0x0A {
          if let frame = endHeaderLine() { frames.append(frame) }
          if case .body(0, true) = state {
            // An empty body ends here: it is a message (which will not parse) all the same.
            frames.append(.line([]))
            state = .headers
          }
        } else {
          line.append(byte)
          headerBytes += 1
          if headerBytes > Self.maxHeaderBytes {
            frames.append(.malformed("header block longer than \(Self.maxHeaderBytes) bytes"))
            startResync()
          }
        }
      case .resync:
        let byte = rest.removeFirst()
        recent.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
        if recent.count > Self.resyncMarker.count { recent.removeFirst() }
        if recent == Self.resyncMarker {
          state = .headers
          line = Array("content-length:".utf8)
          headerBytes = line.count
          inBlock = true
          recent = []
        }
      }
    }
    return frames
  }

  /// Ends the stream: a message cut short is reported as malformed (a partial header block, or a body with
  /// fewer bytes than its Content-Length).
  public mutating func finish() -> LineFramer.Frame? {
    defer { reset(); state = .headers; body = [] }
    switch state {
    case let .body(remaining, true):
      return .malformed("input ended \(remaining) bytes before the end of a \(bodyLength)-byte body")
    case .headers where inBlock || !line.allSatisfy(Self.isBlank):
      return .malformed("input ended inside a header block")
    default:
      return nil
    }
  }

  private static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }

  private mutating func reset() {
    line = []
    headerBytes = 0
    contentLength = nil
    inBlock = false
  }

  private mutating func startResync() {
    reset()
    recent = []
    state = .resync
  }

  /// One header line has ended; returns a frame to report, if any.
  private mutating func endHeaderLine() -> LineFramer.Frame? {
    headerBytes += 1
    var text = line
    line = []
    if text.last == 0x0D { text.removeLast() }
    if text.allSatisfy(Self.isBlank) {
      guard inBlock else {
        headerBytes = 0
        return nil
      }
      guard let length = contentLength else {
        startResync()
        return .malformed("a header block without Content-Length")
      }
      reset()
      bodyLength = length
      state = .body(remaining: length, keep: length <= maxBodyBytes)
      return length <= maxBodyBytes ? nil : .oversized(byteCount: length)
    }
    inBlock = true
    guard let colon = text.firstIndex(of: 0x3A) else {
      startResync()
      return .malformed("not a header line: \(Self.quoted(text))")
    }
    let name = text[..<colon].drop(while: Self.isBlank).reversed().drop(while: Self.isBlank).reversed()
      .map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
    guard name == Self.lengthName else { return nil }  // Content-Type and any other header: accepted, unused.
    let value = Array(text[text.index(after: colon)...].drop(while: Self.isBlank).reversed().drop(while: Self.isBlank)
      .reversed())
    // Decimal digits only, and few enough of them to fit; any larger length is over every limit anyway.
    guard !value.isEmpty, value.count <= 15, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
      let length = Int(String(decoding: value, as: UTF8.self))
    else {
      startResync()
      return .malformed("Content-Length is not a decimal byte count of at most 15 digits: \(Self.quoted(value))")
    }
    if let contentLength, contentLength != length {
      startResync()
      return .malformed("two different Content-Length headers (\(contentLength) and \(length))")
    }
    contentLength = length
    return nil
  }

  /// At most 40 bytes of `bytes`, for a message.
  private static func quoted(_ bytes: some Collection<UInt8>) -> String {
    let text = String(decoding: bytes.prefix(40), as: UTF8.self)
    return "\"" + text + (bytes.count > 40 ? "…" : "") + "\""
  }
}
