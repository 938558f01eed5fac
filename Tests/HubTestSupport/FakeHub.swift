import Foundation

/// A Hugging Face Hub stand-in on loopback, shared by the Hub and Worker tests: a "hub" server answering
/// `/{repo}/resolve/{revision}/{file}` with the headers huggingface_hub relies on, and a "cdn" server on another
/// port holding the LFS files the hub redirects to, as huggingface.co does (`302` + `X-Linked-Etag`/`X-Linked-Size`
/// to cdn-lfs).
///
/// Small files get `ETag: "<git sha1>"` and `200`; LFS files get `302` with `X-Linked-Etag: "<sha256>"`.
/// Both servers honour `Range: bytes=N-` with `206`. Unknown repos answer `401 RepoNotFound`, unknown
/// revisions `404 RevisionNotFound`, absent files `404 EntryNotFound`, like the real Hub.
public final class FakeHub: @unchecked Sendable {
  public struct File {
    public var bytes: [UInt8]
    public var lfs: Bool
    /// The ETag the hub announces: 40 hex digits for a small file, 64 for an LFS file.
    public var etag: String
  }

  public let repo: String
  public let commit: String
  private let lock = NSLock()
  private var files: [String: File] = [:]
  private var cuts: [String: (bytes: Int, times: Int)] = [:]
  private var etagHeaders = true
  private var formerNames: [String] = []
  public private(set) var hub: LoopbackServer!
  public private(set) var cdn: LoopbackServer!

  public init(repo: String, commit: String = "0123456789abcdef0123456789abcdef01234567") throws {
    self.repo = repo
    self.commit = commit
    cdn = try LoopbackServer { [unowned self] request in self.answerCDN(request) }
    hub = try LoopbackServer { [unowned self] request in self.answerHub(request) }
  }

  deinit {
    hub.stop()
    cdn.stop()
  }

  public var endpoint: URL { hub.baseURL }

  /// Adds a file; files of 1 MiB and more, and `.safetensors`/`.bin` files, are served as LFS files.
  public func add(_ name: String, _ bytes: [UInt8]) {
    let lfs = bytes.count >= 1 << 20 || name.hasSuffix(".safetensors") || name.hasSuffix(".bin")
    let etag = FakeHub.digest(bytes, name: name, hexDigits: lfs ? 64 : 40)
    lock.withLock { files[name] = File(bytes: bytes, lfs: lfs, etag: etag) }
  }

  public func add(_ name: String, _ text: String) { add(name, Array(text.utf8)) }

  public func file(_ name: String) -> File? { lock.withLock { files[name] } }

  /// The next `times` GETs of `name`'s body stop after `bytes` bytes each (the connection closes mid-transfer).
  public func cutDownloads(of name: String, after bytes: Int, times: Int = 1) {
    lock.withLock { cuts[name] = (bytes, times) }
  }

  /// Requests under `/{name}/resolve/` get a relative `307` to this repo, as the Hub answers for a renamed repo.
  public func rename(from name: String) { lock.withLock { formerNames.append(name) } }

  /// Answers without `ETag`/`X-Linked-Etag` (a server that is not a Hub).
  public func omitETags() { lock.withLock { etagHeaders = false } }

  /// All requests both servers saw, hub first.
  public var requests: [LoopbackServer.Request] { hub.requests + cdn.requests }

  private func answerHub(_ request: LoopbackServer.Request) -> LoopbackServer.Response {
    let prefix = "/\(repo)/resolve/"
    for former in lock.withLock({ formerNames }) where request.path.hasPrefix("/\(former)/resolve/") {
      let rest = request.path.dropFirst(former.count + 1)
      return .init(status: 307, headers: [("Location", "/\(repo)\(rest)")])
    }
    guard request.path.hasPrefix(prefix) else {
      return .init(status: 401, headers: [("X-Error-Code", "RepoNotFound")])
    }
    let rest = request.path.dropFirst(prefix.count)
    guard let slash = rest.firstIndex(of: "/") else { return .init(status: 404) }
    let revision = String(rest[..<slash]).removingPercentEncoding ?? ""
    let name = String(rest[rest.index(after: slash)...]).removingPercentEncoding ?? ""
    guard revision == "main" || revision == commit else {
      return .init(status: 404, headers: [("X-Error-Code", "RevisionNotFound")])
    }
    let (found, sendETag) = lock.withLock { (files[name], etagHeaders) }
    guard let file = found else {
      return .init(status: 404, headers: [("X-Error-Code", "EntryNotFound"), ("X-Repo-Commit", commit)])
    }
    var headers = [("X-Repo-Commit", commit)]
    if file.lfs {
      if sendETag { headers.append(("X-Linked-Etag", "\"\(file.etag)\"")) }
      headers += [("X-Linked-Size", "\(file.bytes.count)"), ("Location", "\(cdn.baseURL)/\(file.etag)?name=\(name)")]
      return .init(status: 302, headers: headers)
    }
    if sendETag { headers.append(("ETag", "\"\(file.etag)\"")) }
    return body(file.bytes, name: name, request: request, headers: headers)
  }

  private func answerCDN(_ request: LoopbackServer.Request) -> LoopbackServer.Response {
    let path = request.path.split(separator: "?")[0].dropFirst()
    guard let (name, file) = lock.withLock({ files.first { $0.value.etag == path } }) else {
      return .init(status: 404)
    }
    return body(file.bytes, name: name, request: request, headers: [("ETag", "\"\(file.etag)\"")])
  }

  /// The file's bytes, or the part a `Range: bytes=N-` asks for, cut short when a test asked for that.
  private func body(_ bytes: [UInt8], name: String, request: LoopbackServer.Request,
                    headers: [(String, String)]) -> LoopbackServer.Response {
    var response = LoopbackServer.Response(status: 200, headers: headers, body: bytes)
    if let range = request.headers["range"], range.hasPrefix("bytes="), range.hasSuffix("-"),
       let start = Int(range.dropFirst(6).dropLast()) {
      guard start < bytes.count else {
        return .init(status: 416, headers: [("Content-Range", "bytes */\(bytes.count)")])
      }
      response.status = 206
      response.body = Array(bytes[start...])
      response.headers.append(("Content-Range", "bytes \(start)-\(bytes.count - 1)/\(bytes.count)"))
    }
    if request.method == "GET" {
      response.cutAfter = lock.withLock { () -> Int? in
        guard let cut = cuts[name], cut.times > 0 else { return nil }
        cuts[name] = (cut.bytes, cut.times - 1)
        return cut.bytes
      }
    }
    return response
  }

  /// A stable hex name for a file's contents (FNV-1a, repeated to the length asked). Not a real sha; the
  /// resolver treats ETags as opaque names, exactly as huggingface_hub does.
  public static func digest(_ bytes: [UInt8], name: String, hexDigits: Int) -> String {
    var hex = ""
    var seed: UInt64 = 0xcbf2_9ce4_8422_2325
    while hex.count < hexDigits {
      var hash = seed
      for byte in Array(name.utf8) + bytes {
        hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
      }
      hex += String(hash, radix: 16).leftPadded(to: 16)
      seed = hash
    }
    return String(hex.prefix(hexDigits))
  }
}

private extension String {
  func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
