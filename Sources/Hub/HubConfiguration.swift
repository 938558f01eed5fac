import Foundation

/// Where the Hub cache lives, which server to ask, with which token, and whether asking is allowed.
///
/// `fromEnvironment` reads the same variables, with the same precedence, as huggingface_hub's `constants.py`.
public struct HubConfiguration: Equatable, Sendable {
  /// The hub cache root holding `models--org--name/` folders.
  public var cacheDirectory: URL
  /// The Hub server, without a trailing slash (files are at `{endpoint}/{repo}/resolve/{revision}/{file}`).
  public var endpoint: URL
  /// Sent as `Authorization: Bearer <token>` to the endpoint (never to a redirect on another host).
  public var token: String?
  /// When true the resolver never touches the network and uses the cache alone.
  public var offline: Bool
  /// Seconds a request may wait for the next bytes before it fails.
  public var timeout: TimeInterval

  /// The public Hub.
  public static let defaultEndpoint = URL(string: "https://huggingface.co")!

  public init(cacheDirectory: URL, endpoint: URL = Self.defaultEndpoint, token: String? = nil, offline: Bool = false,
              timeout: TimeInterval = 30) {
    self.cacheDirectory = cacheDirectory
    self.endpoint = endpoint
    self.token = token
    self.offline = offline
    self.timeout = timeout
  }

  /// The configuration huggingface_hub would use in this environment:
  /// - cache: `HF_HUB_CACHE`, else `HUGGINGFACE_HUB_CACHE`, else `$HF_HOME/hub`, where `HF_HOME` defaults to
  ///   `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`;
  /// - endpoint: `HF_ENDPOINT`, else https://huggingface.co;
  /// - token: `HF_TOKEN`, else the file `HF_TOKEN_PATH` (default `$HF_HOME/token`) when it exists;
  /// - offline: `HF_HUB_OFFLINE` or `TRANSFORMERS_OFFLINE` set to 1, ON, YES or TRUE (any case).
  public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> Self {
    func nonEmpty(_ key: String) -> String? { env[key].flatMap { $0.isEmpty ? nil : $0 } }
    func expand(_ path: String) -> URL {
      URL(fileURLWithPath: expandTilde(path, home: env["HOME"]), isDirectory: true).standardizedFileURL
    }
    let xdgCache = nonEmpty("XDG_CACHE_HOME") ?? "~/.cache"
    let home = expand(nonEmpty("HF_HOME") ?? (xdgCache as NSString).appendingPathComponent("huggingface"))
    let cache = (nonEmpty("HF_HUB_CACHE") ?? nonEmpty("HUGGINGFACE_HUB_CACHE")).map(expand)
      ?? home.appendingPathComponent("hub", isDirectory: true)
    var endpoint = defaultEndpoint
    if let text = nonEmpty("HF_ENDPOINT"), let url = URL(string: text.hasSuffix("/") ? String(text.dropLast()) : text) {
      endpoint = url
    }
    var token = nonEmpty("HF_TOKEN")
    if token == nil {
      let tokenFile = nonEmpty("HF_TOKEN_PATH").map(expand) ?? home.appendingPathComponent("token")
      token = (try? String(contentsOf: tokenFile, encoding: .utf8))?
        .trimmingCharacters(in: .whitespacesAndNewlines)
      if token?.isEmpty == true { token = nil }
    }
    let truthy: Set<String> = ["1", "ON", "YES", "TRUE"]
    let offline = ["HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"].contains { truthy.contains(env[$0]?.uppercased() ?? "") }
    return Self(cacheDirectory: cache, endpoint: endpoint, token: token, offline: offline)
  }
}

/// `~` and `~/x` expanded against `home` (the environment's HOME, so tests can pass their own), else the user's.
private func expandTilde(_ path: String, home: String?) -> String {
  guard path == "~" || path.hasPrefix("~/") else { return path }
  let base = home ?? NSHomeDirectory()
  return base + path.dropFirst()
}
