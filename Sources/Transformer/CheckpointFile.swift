import Foundation

/// Reading the small files of a checkpoint directory (`config.json`, a processor's config), with the error
/// every family reports for them.
public enum CheckpointFile {
  /// The bytes of `name` in `directory`.
  /// - Throws: `CheckpointError.unreadableFile` naming the path and why.
  public static func contents(_ name: String, in directory: URL) throws -> Data {
    let url = directory.appendingPathComponent(name)
    do {
      return try Data(contentsOf: url)
    } catch {
      throw CheckpointError.unreadableFile(path: url.path, reason: error.localizedDescription)
    }
  }
}
