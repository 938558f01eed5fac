import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal HTTP/1.1 server for tests: listens on 127.0.0.1 only (an ephemeral port), answers one request per
/// connection (`Connection: close`) on one background thread, and stops by itself after `lifetime` seconds
/// if a test forgets to stop it. Requests are recorded so tests can check what the client sent.
public final class LoopbackServer: @unchecked Sendable {
  public struct Request {
    public var method: String
    public var path: String
    /// Header names lowercased.
    public var headers: [String: String]
  }

  public struct Response {
    public var status: Int
    public var headers: [(String, String)] = []
    public var body: [UInt8] = []
    /// Close the connection after this many body bytes although `Content-Length` announced them all
    /// (a download killed mid-way, as seen by the client).
    public var cutAfter: Int?

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = [], cutAfter: Int? = nil) {
      self.status = status
      self.headers = headers
      self.body = body
      self.cutAfter = cutAfter
    }
  }

  public let port: UInt16
  public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }
  private let listener: Int32
  private let handler: (Request) -> Response
  private let lock = NSLock()
  private var recorded: [Request] = []
  private var stopped = false

  public var requests: [Request] { lock.withLock { recorded } }

  public init(lifetime: TimeInterval = 60, handler: @escaping (Request) -> Response) throws {
    self.handler = handler
    #if canImport(Glibc)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    var address = sockaddr_in()
    #if canImport(Darwin)
    address.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
    #endif
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
        bind(fd, generic, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, generic, &length) == 0
      }
    }
    guard bound else {
      close(fd)
      throw POSIXError(.init(rawValue: errno) ?? .EIO)
    }
    listener = fd
    port = UInt16(bigEndian: address.sin_port)
    let deadline = Date().addingTimeInterval(lifetime)
    // The thread holds the server until the loop ends (stop() or the deadline), then closes the socket.
    Thread { self.acceptLoop(until: deadline) }.start()
  }

  /// Stops accepting; the listening socket is closed by the accept loop within 50 ms.
  public func stop() {
    lock.withLock { stopped = true }
  }

  private func acceptLoop(until deadline: Date) {
    defer { close(listener) }
    while !lock.withLock({ stopped }) && Date() < deadline {
      var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
      guard poll(&poller, 1, 50) > 0 else { continue }
      let connection = accept(listener, nil, nil)
      guard connection >= 0 else { continue }
      serve(connection)
      close(connection)
    }
  }

  private func serve(_ connection: Int32) {
    var timeout = timeval(tv_sec: 2, tv_usec: 0)
    setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    #if canImport(Darwin)
    var one: Int32 = 1
    setsockopt(connection, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
    #endif
    guard let request = readRequest(connection) else { return }
    lock.withLock { recorded.append(request) }
    let response = handler(request)
    var head = "HTTP/1.1 \(response.status) \(response.status < 400 ? "OK" : "Error")\r\n"
    for (name, value) in response.headers { head += "\(name): \(value)\r\n" }
    head += "Content-Length: \(response.body.count)\r\nConnection: close\r\n\r\n"
    guard send(connection, Array(head.utf8)) else { return }
    if request.method == "HEAD" { return }
    _ = send(connection, Array(response.body.prefix(response.cutAfter ?? response.body.count)))
  }

  /// Reads up to the blank line ending the header block (at most 16 KiB; our clients send no bodies).
  private func readRequest(_ connection: Int32) -> Request? {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while bytes.count < 16 * 1024 {
      let count = recv(connection, &chunk, chunk.count, 0)
      guard count > 0 else { return nil }
      bytes += chunk[..<count]
      if let end = String(decoding: bytes, as: UTF8.self).range(of: "\r\n\r\n") {
        let lines = String(decoding: bytes, as: UTF8.self)[..<end.lowerBound].components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count == 3 else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
          guard let colon = line.firstIndex(of: ":") else { continue }
          headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Request(method: String(parts[0]), path: String(parts[1]), headers: headers)
      }
    }
    return nil
  }

  private func send(_ connection: Int32, _ bytes: [UInt8]) -> Bool {
    #if canImport(Glibc)
    let flags = Int32(MSG_NOSIGNAL)
    #else
    let flags: Int32 = 0
    #endif
    var sent = 0
    while sent < bytes.count {
      let count = bytes[sent...].withUnsafeBytes { socketSend(connection, $0.baseAddress, $0.count, flags) }
      guard count > 0 else { return false }
      sent += count
    }
    return true
  }
}

#if canImport(Glibc)
private let socketSend = Glibc.send
#else
private let socketSend = Darwin.send
#endif
