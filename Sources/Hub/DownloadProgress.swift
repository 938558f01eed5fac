/// One progress report while a file downloads: how far, and of how much when the server said.
///
/// The resolver reports; the caller decides how to show it (a bar on a terminal, `$/progress` notifications).
/// Reports for a file start at the bytes already on disk (a resumed download starts above zero) and end with
/// `bytesDone == bytesTotal` once the file is complete.
public struct DownloadProgress: Equatable, Sendable {
  /// The file's path inside the repository, e.g. `model.safetensors`.
  public var file: String
  /// Bytes of the file on disk so far.
  public var bytesDone: Int64
  /// The file's size, when the server announced it.
  public var bytesTotal: Int64?

  public init(file: String, bytesDone: Int64, bytesTotal: Int64?) {
    self.file = file
    self.bytesDone = bytesDone
    self.bytesTotal = bytesTotal
  }
}
