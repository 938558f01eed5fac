import Foundation
import ImageCodecs
import JSONRPC

/// An image as a request gives it: a file path (read by the worker, relative to its working directory) or
/// the file's bytes in base64.
public enum ImageInput: Equatable, Sendable, JSONDecodable {
  case path(String)
  case data(String)

  public static var jsonDescription: String { "an object with either \"path\" or \"data\"" }

  public init(json: JSONValue, path: String) throws(RPCError) {
    guard case let .object(object) = json else { throw Self.typeMismatch(json, path: path) }
    switch (object["path"], object["data"]) {
    case let (.string(filePath)?, nil) where object.count == 1: self = .path(filePath)
    case let (nil, .string(data)?) where object.count == 1: self = .data(data)
    default: throw .invalidParams("\(path) must be {\"path\": string} or {\"data\": base64 string}")
    }
  }

  /// How error data shows this input: the path, or only the length of inline data.
  public var summary: JSONValue {
    switch self {
    case let .path(path): return ["path": .string(path)]
    case let .data(data): return ["dataLength": JSONValue(data.utf8.count)]
    }
  }

  /// The file's bytes, at most `maxFileBytes` of them (inline data is already bounded by the message size),
  /// from a path that `policy` allows. Throws a human-readable reason.
  public func bytes(maxFileBytes: Int, policy: PathPolicy = .any) throws(InputError) -> [UInt8] {
    switch self {
    case let .data(text): return try Self.decodeData(text)
    case let .path(path): return try BoundedFileReader.read(path, maxBytes: maxFileBytes, policy: policy)
    }
  }

  /// The bytes of a `data` member: base64, or a `data:` URI with a base64 payload
  /// (`data:image/png;base64,iVBOR...`, as browsers and notebooks produce them).
  static func decodeData(_ text: String) throws(InputError) -> [UInt8] {
    var payload = Substring(text)
    if text.hasPrefix("data:") {
      guard let comma = text.firstIndex(of: ",") else { throw .invalidDataURI("no ',' before the payload") }
      let header = text[text.index(text.startIndex, offsetBy: 5)..<comma]
      guard header.split(separator: ";").last == "base64" else {
        throw .invalidDataURI("only base64 payloads are read (the header must end in ;base64)")
      }
      payload = text[text.index(after: comma)...]
    }
    guard let data = Data(base64Encoded: String(payload)) else { throw .invalidBase64 }
    return [UInt8](data)
  }
}

/// Why an input could not be used.
public enum InputError: Error, Equatable, CustomStringConvertible {
  case invalidBase64
  /// A `data:` URI that is not `data:[type][;params];base64,payload`; the payload says why.
  case invalidDataURI(String)
  /// The path is refused by the path policy (`--allow-path`, `--no-paths`); the payload says why.
  case pathNotAllowed(String, String)
  case noSuchFile(String)
  case isDirectory(String)
  case unreadable(String, String)
  /// A device, FIFO or socket: reading one could block or never end (`/dev/zero`).
  case notRegularFile(String)
  case fileTooLarge(String, byteCount: Int, limit: Int)
  /// The decoder refused the bytes; the payload is its description.
  case undecodable(String)
  /// The images of one request that had to be decoded have more pixels in all than `maxRequestPixels`.
  case requestPixelsExceeded(Int, limit: Int)

  public var description: String {
    switch self {
    case .invalidBase64: return "data is not valid base64"
    case let .invalidDataURI(why): return "data is not a base64 data: URI: \(why)"
    case let .pathNotAllowed(path, why): return "path not allowed: \(path): \(why)"
    case let .noSuchFile(path):
      guard !path.hasPrefix("/") else { return "no such file: \(path)" }
      return "no such file: \(path) (relative paths resolve against the worker's working directory, "
        + "\(FileManager.default.currentDirectoryPath))"
    case let .isDirectory(path): return "is a directory: \(path)"
    case let .unreadable(path, why): return "cannot read \(path): \(why)"
    case let .notRegularFile(path): return "not a regular file: \(path)"
    case let .fileTooLarge(path, byteCount, limit):
      return "file \(path) has \(byteCount) bytes or more, over the limit of \(limit) bytes"
    case let .undecodable(why): return "cannot decode image: \(why)"
    case let .requestPixelsExceeded(total, limit):
      return "the request's images have \(total) pixels, over the limit maxRequestPixels = \(limit)"
    }
  }
}
