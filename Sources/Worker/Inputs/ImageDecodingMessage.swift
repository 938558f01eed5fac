import ImageCodecs

/// What an undecodable image's error tells the client: the format problem, never the file's bytes. (The codecs'
/// own message for an unrecognized file quotes its first bytes, which for a file such as `/etc/passwd` would be
/// its content.)
enum ImageDecodingMessage {
  static func describe(_ error: Error) -> String {
    switch error {
    case let ImageFormatError.unrecognized(leading):
      return leading.isEmpty ? "empty file: not an image" : "not a PNG, JPEG, GIF or BMP file"
    default: return "\(error)"
    }
  }
}
