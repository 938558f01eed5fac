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

  /// The file's bytes, at most `maxFileBytes` of them (inline data is already bounded by the message size).
  /// Throws a human-readable reason.
  public func bytes(maxFileBytes: Int) throws(InputError) -> [UInt8] {
    switch self {
    case let .data(base64):
      guard let data = Data(base64Encoded: base64) else { throw .invalidBase64 }
      return [UInt8](data)
    case let .path(path):
      return try BoundedFileReader.read(path, maxBytes: maxFileBytes)
    }
  }
}

/// Why an input could not be used.
public enum InputError: Error, Equatable, CustomStringConvertible {
  case invalidBase64
  case noSuchFile(String)
  case isDirectory(String)
  case unreadable(String, String)
  /// A device, FIFO or socket: reading one could block or never end (`/dev/zero`).
  case notRegularFile(String)
  case fileTooLarge(String, byteCount: Int, limit: Int)
  /// The decoder refused the bytes; the payload is its description.
  case undecodable(String)

  public var description: String {
    switch self {
    case .invalidBase64: return "data is not valid base64"
    case let .noSuchFile(path): return "no such file: \(path)"
    case let .isDirectory(path): return "is a directory: \(path)"
    case let .unreadable(path, why): return "cannot read \(path): \(why)"
    case let .notRegularFile(path): return "not a regular file: \(path)"
    case let .fileTooLarge(path, byteCount, limit):
      return "file \(path) has \(byteCount) bytes or more, over the limit of \(limit) bytes"
    case let .undecodable(why): return "cannot decode image: \(why)"
    }
  }
}
