import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The status and headers of one HTTP exchange (headers looked up case-insensitively).
struct HTTPHead {
  var status: Int
  var url: URL
  private var response: HTTPURLResponse

  init(_ response: HTTPURLResponse) {
    self.response = response
    status = response.statusCode
    url = response.url ?? URL(fileURLWithPath: "/")
  }

  func header(_ name: String) -> String? { response.value(forHTTPHeaderField: name) }
}

/// Blocking HTTP for the resolver over URLSession (FoundationNetworking on Linux).
///
/// `head` follows redirects within the same origin only (scheme, host, port), so a Hub `302` to the LFS CDN
/// comes back with its `X-Linked-Etag`/`X-Repo-Commit` headers, as huggingface_hub's
/// `_httpx2_follow_hub_redirects_with_backoff` does. `download` follows every redirect and streams the body into
/// a file, appending after `offset` bytes when the server answers a Range request with `206`. The token goes only
/// to the endpoint's origin, never to a CDN.
/// Each call uses its own session so delegate state never crosses requests.
struct HubHTTPClient {
  var endpoint: URL
  var token: String?
  var timeout: TimeInterval

  /// A HEAD request; the response of the last request made (a redirect when it leads to another origin).
  func head(_ url: URL) throws -> HTTPHead {
    let delegate = TransferDelegate(client: self, followsCrossOriginRedirects: false, file: nil, offset: 0, onBytes: nil)
    return try run(request(url, method: "HEAD", offset: 0), delegate: delegate)
  }

  /// A GET whose body is written to `file`: appended after its first `offset` bytes when the server honours
  /// `Range: bytes=<offset>-` (status 206), written from the start otherwise (status 200). For any other status
  /// the file is left untouched. `onBytes` receives the file's length as it grows.
  func download(_ url: URL, to file: URL, offset: Int64, onBytes: @escaping (Int64) -> Void) throws -> HTTPHead {
    let delegate = TransferDelegate(client: self, followsCrossOriginRedirects: true, file: file, offset: offset,
                                    onBytes: onBytes)
    return try run(request(url, method: "GET", offset: offset), delegate: delegate)
  }

  private func request(_ url: URL, method: String, offset: Int64) -> URLRequest {
    var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
    request.httpMethod = method
    // Sizes must be those of the file itself, not of a compressed transfer.
    request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
    request.setValue("clip-worker (huggingface_hub-compatible cache)", forHTTPHeaderField: "User-Agent")
    if offset > 0 { request.setValue("bytes=\(offset)-", forHTTPHeaderField: "Range") }
    if isEndpoint(url), let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
    return request
  }

  /// Whether `url` is on the endpoint's origin (the only place a token is sent).
  func isEndpoint(_ url: URL) -> Bool { Self.origin(url) == Self.origin(endpoint) }

  /// Scheme, lowercased host and port (the scheme's default when none is written).
  static func origin(_ url: URL) -> String {
    let scheme = url.scheme?.lowercased() ?? ""
    let port = url.port ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : 0)
    return "\(scheme)://\(url.host?.lowercased() ?? ""):\(port)"
  }

  private func run(_ request: URLRequest, delegate: TransferDelegate) throws -> HTTPHead {
    let configuration = URLSessionConfiguration.ephemeral
    configuration.timeoutIntervalForRequest = timeout
    configuration.urlCache = nil
    let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
    defer { session.finishTasksAndInvalidate() }
    session.dataTask(with: request).resume()
    delegate.finished.wait()
    let urlText = request.url?.absoluteString ?? ""
    if let failure = delegate.fileError { throw failure }
    // A response with an error status is the answer even though we cancelled its body.
    if let response = delegate.response, !(200...299).contains(response.statusCode) || delegate.error == nil {
      return HTTPHead(response)
    }
    throw HubError.transport(url: urlText, message: Self.describe(delegate.error))
  }

  /// A transfer failure in words a user can act on (URLError's own text is generic on Linux).
  static func describe(_ error: Error?) -> String {
    guard let error else { return "no response" }
    guard let urlError = error as? URLError else { return error.localizedDescription }
    switch urlError.code {
    case .cannotConnectToHost: return "connection refused"
    case .cannotFindHost, .dnsLookupFailed: return "cannot resolve the host name"
    case .timedOut: return "timed out"
    case .networkConnectionLost: return "the connection closed before the whole file arrived"
    case .notConnectedToInternet: return "no network connection"
    case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
         .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
      return "TLS connection failed (\(urlError.localizedDescription))"
    default: return "\(urlError.localizedDescription) (URLError \(urlError.code.rawValue))"
    }
  }
}

/// The URLSession delegate of one request: redirect policy, and for downloads the file being written.
private final class TransferDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
  let client: HubHTTPClient
  let followsCrossOriginRedirects: Bool
  let file: URL?
  let onBytes: ((Int64) -> Void)?
  let finished = DispatchSemaphore(value: 0)
  // Written on the session's serial delegate queue, read after `finished` is signalled.
  var offset: Int64
  var handle: FileHandle?
  var response: HTTPURLResponse?
  var error: Error?
  var fileError: HubError?

  init(client: HubHTTPClient, followsCrossOriginRedirects: Bool, file: URL?, offset: Int64,
       onBytes: ((Int64) -> Void)?) {
    self.client = client
    self.followsCrossOriginRedirects = followsCrossOriginRedirects
    self.file = file
    self.offset = offset
    self.onBytes = onBytes
  }

  func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                  newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
    guard let next = request.url else { return completionHandler(nil) }
    let from = response.url ?? task.currentRequest?.url
    let sameOrigin = from.map { HubHTTPClient.origin($0) == HubHTTPClient.origin(next) } ?? false
    guard followsCrossOriginRedirects || sameOrigin else { return completionHandler(nil) }
    var redirected = request
    if client.isEndpoint(next), let token = client.token {
      redirected.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
    } else {
      redirected.setValue(nil, forHTTPHeaderField: "Authorization")
    }
    completionHandler(redirected)
  }

  func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                  completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
    guard let http = response as? HTTPURLResponse else { return completionHandler(.cancel) }
    self.response = http
    guard let file else { return completionHandler(.allow) }
    do {
      switch http.statusCode {
      case 206 where offset > 0 && (http.value(forHTTPHeaderField: "Content-Range") ?? "")
        .hasPrefix("bytes \(offset)-"):
        handle = try FileHandle(forWritingTo: file)
        try handle?.seekToEnd()
      case 200:
        // The server sent the whole file (it ignored Range, or none was asked): start over.
        offset = 0
        guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
          throw HubError.cache(path: file.path, message: "cannot create file")
        }
        handle = try FileHandle(forWritingTo: file)
      default:
        return completionHandler(.cancel)
      }
      onBytes?(offset)
      completionHandler(.allow)
    } catch {
      fileError = (error as? HubError) ?? .cache(path: file.path, message: error.localizedDescription)
      completionHandler(.cancel)
    }
  }

  func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
    guard let handle, fileError == nil else { return }
    do {
      try handle.write(contentsOf: data)
      offset += Int64(data.count)
      onBytes?(offset)
    } catch {
      fileError = .cache(path: file?.path ?? "", message: error.localizedDescription)
      dataTask.cancel()
    }
  }

  func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
    self.error = error
    // A refused redirect may complete without a didReceive(response:) call on some platforms.
    if response == nil { response = task.response as? HTTPURLResponse }
    try? handle?.close()
    handle = nil
    finished.signal()
  }
}
