import Foundation
import JSONRPC

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Which files a request may name (`--allow-path`, `--no-paths`), like the roots of an LSP workspace or an MCP
/// server: every path, none (bytes only), or the files inside a few directories.
///
/// A path is judged by the file it reaches after symlinks and `..`: before it is opened (so that a file
/// outside is never opened) and again on the opened file itself (so that a path swapped for a symlink
/// between the check and the open is still refused). Refusals name the path as the request gave it, never
/// what it points to, and say nothing about whether a file outside exists.
public enum PathPolicy: Equatable, Sendable {
  /// Any path the process can read (the default: right for a script that spawns the worker).
  case any
  /// No path inputs at all; images come as `data`.
  case none
  /// Only files inside these directories. Each root as given and as resolved (symlinks followed), absolute.
  case roots([Root])

  public struct Root: Equatable, Sendable {
    /// As the operator gave it, made absolute against the working directory.
    public var given: String
    /// After symlinks and `..`: what opened files are compared with.
    public var resolved: String
  }

  /// An allowed root that cannot be used; the executable reports it as a usage error.
  public struct InvalidRoot: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "--allow-path \(path): \(reason)" }
  }

  /// `.roots` from the directories given, each resolved now.
  /// - Throws: `InvalidRoot` for a root that does not exist or is not a directory.
  public static func allowing(_ directories: [String]) throws(InvalidRoot) -> PathPolicy {
    var roots: [Root] = []
    for directory in directories {
      let absolute = PathPolicy.absolute(directory)
      guard let resolved = PathPolicy.realPath(absolute) else {
        throw InvalidRoot(path: directory, reason: "no such directory")
      }
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw InvalidRoot(path: directory, reason: "not a directory")
      }
      roots.append(Root(given: absolute, resolved: resolved))
    }
    return .roots(roots)
  }

  /// How `initialize` reports the policy: `{paths: "any" | "none" | "roots", roots?: [absolute roots as given]}`.
  public var json: JSONValue {
    switch self {
    case .any: return ["paths": "any"]
    case .none: return ["paths": "none"]
    case let .roots(roots): return ["paths": "roots", "roots": .array(roots.map { .string($0.given) })]
    }
  }

  /// Refuses a path before anything is opened: with `.none` always; with `.roots` when the path, resolved as far
  /// as it exists, is outside every root.
  func checkBeforeOpening(_ path: String) throws(InputError) {
    switch self {
    case .any: return
    case .none: throw .pathNotAllowed(path, "path inputs are disabled (--no-paths): send the bytes as data")
    case .roots:
      let absolute = PathPolicy.absolute(path)
      // A path that does not resolve (missing) is judged by its text with `..` removed: a missing file inside
      // a root is "no such file" (from the open), one outside is refused without saying whether it exists.
      let resolved = PathPolicy.realPath(absolute) ?? (absolute as NSString).standardizingPath
      guard contains(resolved) else { throw refusal(path) }
    }
  }

  /// Refuses an opened file that is outside every root (its path was changed between the check and the open).
  func checkOpened(_ descriptor: Int32, path: String) throws(InputError) {
    guard case .roots = self else { return }
    guard let opened = PathPolicy.path(of: descriptor), contains(opened) else { throw refusal(path) }
  }

  private func refusal(_ path: String) -> InputError {
    .pathNotAllowed(path, "outside the allowed paths (--allow-path)")
  }

  /// Whether the resolved path `resolved` is one of the roots or inside one.
  func contains(_ resolved: String) -> Bool {
    guard case let .roots(roots) = self else { return self == .any }
    return roots.contains { root in
      root.resolved == "/" || resolved == root.resolved || resolved.hasPrefix(root.resolved + "/")
    }
  }

  /// `path`, made absolute against the working directory.
  static func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
  }

  /// realpath(3): every symlink and `..` resolved, or nil if some part does not exist.
  static func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  /// The path of the file an open descriptor refers to, as the kernel has it.
  static func path(of descriptor: Int32) -> String? {
    #if os(Linux)
      var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
      let count = readlink("/proc/self/fd/\(descriptor)", &buffer, buffer.count - 1)
      guard count > 0 else { return nil }
      return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    #else
      var buffer = [CChar](repeating: 0, count: Int(MAXPATHLEN))
      guard fcntl(descriptor, F_GETPATH, &buffer) != -1 else { return nil }
      return String(cString: buffer)
    #endif
  }
}
