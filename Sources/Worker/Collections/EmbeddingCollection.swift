import Foundation

/// A named collection: the model identity it was made with (the persistent store's identity string), and for each
/// indexed file its path, what it was last seen as (size, modification time, inode, ctime: `FileStamp`; an unchanged
/// file is not re-read), the SHA-256 of its bytes and its L2-normalized embedding.
struct EmbeddingCollection: Equatable, Sendable {
  struct Entry: Equatable, Sendable {
    /// Lowercase hexadecimal SHA-256 of the file's bytes (the cache key's content).
    var sha256: String
    var size: Int64
    /// Seconds since 1970 (sub-second precision as the file system gives it).
    var modified: Double
    /// Unit length, `dimension` long.
    var vector: [Float]
    /// The file's inode number (0: not known, as for inline data).
    var inode: UInt64 = 0
    /// The file's ctime (seconds since 1970); 0 when the stamp is not to be trusted (`FileStamp.isSettled`), so that
    /// the next `index` reads the file again.
    var changed: Double = 0
  }

  /// `WorkerContext.storeIdentity(of:)` of the model that made the vectors.
  var identity: String
  /// The model's id (`ModelInfo.id`), for listings and messages.
  var model: String
  var dimension: Int
  /// When it was last written (seconds since 1970).
  var updated: Double
  /// By path (absolute for folder files, as given for `images`).
  var entries: [String: Entry]

  init(identity: String, model: String, dimension: Int, updated: Double = Date().timeIntervalSince1970,
       entries: [String: Entry] = [:]) {
    self.identity = identity
    self.model = model
    self.dimension = dimension
    self.updated = updated
    self.entries = entries
  }
}
