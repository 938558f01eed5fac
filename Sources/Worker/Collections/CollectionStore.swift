import Foundation
import Kernels

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The named collections: files `<directory>/<name>.col` (`CollectionFile`), or, without a directory (`--store
/// none`), values in memory that end with the process.
///
/// A write goes to a temporary file beside the collection, is synced and renamed over it, under an exclusive
/// `flock` of `<directory>/.lock` (so two workers writing the same collection take turns; a reader never sees half a
/// file). Read collections are kept in memory with the size and modification time of their file and read again when
/// either changes (another process wrote it). Each kept collection also holds its vectors packed for the matrix
/// multiply, built at its first search.
final class CollectionStore: Sendable {
  /// nil: in memory only.
  let directory: String?

  private final class Loaded: Sendable {
    let collection: EmbeddingCollection
    let stamp: FileStamp?
    let matrix = Locked<SearchMatrix?>(nil)
    init(_ collection: EmbeddingCollection, stamp: FileStamp?) {
      self.collection = collection
      self.stamp = stamp
    }
  }

  private let loaded = Locked<[String: Loaded]>([:])
  /// Collections an `index` request is writing (one at a time per name in this process).
  private let writing = Locked<Set<String>>([])

  init(directory: String?) { self.directory = directory }

  private func path(_ name: String) -> String? { directory.map { "\($0)/\(name).col" } }

  /// The collection `name`, or nil when there is none.
  func collection(_ name: String) throws(CollectionError) -> EmbeddingCollection? {
    try entry(name)?.collection
  }

  /// The collection's vectors packed for search (built once per version of the collection).
  func searchMatrix(_ name: String) throws(CollectionError) -> (EmbeddingCollection, SearchMatrix)? {
    guard let entry = try entry(name) else { return nil }
    let matrix = entry.matrix.withLock { matrix in
      if let matrix { return matrix }
      let built = SearchMatrix(entry.collection)
      matrix = built
      return built
    }
    return (entry.collection, matrix)
  }

  private func entry(_ name: String) throws(CollectionError) -> Loaded? {
    if let why = CollectionName.check(name) { throw .badName(why) }
    let kept = loaded.withLock { $0[name] }
    guard let path = path(name) else { return kept }
    guard let stamp = FileStamp(path: path) else {
      loaded.withLock { _ = $0.removeValue(forKey: name) }
      return nil
    }
    if let kept, kept.stamp == stamp { return kept }
    guard let data = FileManager.default.contents(atPath: path) else { throw .damaged(name, "unreadable") }
    let collection: EmbeddingCollection
    do { collection = try CollectionFile.decode([UInt8](data)) } catch { throw .damaged(name, error.description) }
    let fresh = Loaded(collection, stamp: stamp)
    loaded.withLock { $0[name] = fresh }
    return fresh
  }

  /// Writes `collection` as `name` (atomically, see the type's comment).
  func save(_ collection: EmbeddingCollection, as name: String) throws(CollectionError) {
    if let why = CollectionName.check(name) { throw .badName(why) }
    guard let directory, let path = path(name) else {
      loaded.withLock { $0[name] = Loaded(collection, stamp: nil) }
      return
    }
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    } catch { throw .unwritable(name, "cannot create \(directory): \(error.localizedDescription)") }
    let bytes = CollectionFile.encode(collection)
    let stamp: FileStamp? = try withDirectoryLock(name) { () throws(CollectionError) -> FileStamp? in
      let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
      let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
      guard fd >= 0 else { throw .unwritable(name, "\(temporary): \(String(cString: strerror(errno)))") }
      let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
      do {
        try handle.write(contentsOf: Data(bytes))
        try handle.synchronize()
        try handle.close()
      } catch {
        unlink(temporary)
        throw .unwritable(name, "\(temporary): \(error.localizedDescription)")
      }
      guard rename(temporary, path) == 0 else {
        let why = String(cString: strerror(errno))
        unlink(temporary)
        throw .unwritable(name, "rename to \(path): \(why)")
      }
      return FileStamp(path: path)
    }
    loaded.withLock { $0[name] = Loaded(collection, stamp: stamp) }
  }

  /// Removes `name`; false when there was none.
  func drop(_ name: String) throws(CollectionError) -> Bool {
    if let why = CollectionName.check(name) { throw .badName(why) }
    let kept = loaded.withLock { $0.removeValue(forKey: name) }
    guard let path = path(name) else { return kept != nil }
    return try withDirectoryLock(name) { () throws(CollectionError) -> Bool in
      if unlink(path) == 0 { return true }
      if errno == ENOENT { return false }
      throw .unwritable(name, "cannot remove \(path): \(String(cString: strerror(errno)))")
    }
  }

  /// The names of every collection, sorted.
  func names() -> [String] {
    guard let directory else { return loaded.withLock { $0.keys.sorted() } }
    let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return files.filter { $0.hasSuffix(".col") }.map { String($0.dropLast(4)) }
      .filter { CollectionName.check($0) == nil }.sorted()
  }

  /// Marks `name` as being indexed for the duration of `body`; a second request for it meanwhile is refused.
  func whileWriting<T>(_ name: String, _ body: () async throws -> T) async throws -> T {
    let claimed = writing.withLock { $0.insert(name).inserted }
    guard claimed else { throw CollectionError.busy(name) }
    defer { _ = writing.withLock { $0.remove(name) } }
    return try await body()
  }

  private func withDirectoryLock<T>(
    _ name: String, _ body: () throws(CollectionError) -> T
  ) throws(CollectionError) -> T {
    guard let directory else { return try body() }
    let fd = open("\(directory)/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw .unwritable(name, "\(directory)/.lock: \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    guard flock(fd, LOCK_EX) == 0 else { throw .unwritable(name, "flock: \(String(cString: strerror(errno)))") }
    defer { flock(fd, LOCK_UN) }
    return try body()
  }
}

/// What tells whether a file changed without reading it: its size, modification time, inode number and status
/// change time (ctime).
///
/// Why trusting it is safe enough (`index` does not re-hash a file whose stamp is the one recorded): every write
/// to a file sets its ctime to the current time, and no system call sets ctime to anything else (`utimes`, `touch -d`,
/// `cp -p`, `rsync -t` set the modification time; ctime then becomes the time of that call). A file replaced by
/// another (a rename over it, an editor's save) has another inode. So a file with the same stamp has not been
/// written since it was recorded, but for two cases: a write in the same timestamp tick as the recorded ctime
/// (coarse file systems: 2 s on FAT, 1 s on some network mounts), which `index` rules out by not trusting a stamp
/// taken within 2 s of the file's ctime or modification time (the entry is recorded with `changed = 0`, which never
/// matches, so the next `index` hashes it again); and a clock set back by more than the time since the recording,
/// or writes to the block device behind the file system's back, which nothing short of reading every byte catches.
struct FileStamp: Equatable, Sendable {
  var size: Int64
  var modified: Double
  var inode: UInt64
  /// The status change time (ctime), seconds since 1970.
  var changed: Double

  init?(path: String) {
    var info = stat()
    guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    size = Int64(info.st_size)
    inode = UInt64(info.st_ino)
    #if canImport(Darwin)
      modified = Double(info.st_mtimespec.tv_sec) + Double(info.st_mtimespec.tv_nsec) / 1e9
      changed = Double(info.st_ctimespec.tv_sec) + Double(info.st_ctimespec.tv_nsec) / 1e9
    #else
      modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
      changed = Double(info.st_ctim.tv_sec) + Double(info.st_ctim.tv_nsec) / 1e9
    #endif
  }

  /// Whether this stamp, taken at `now` (seconds since 1970, before the file is read), may be trusted later:
  /// its times are at least 2 s old (see the type's comment).
  func isSettled(at now: Double) -> Bool { now - max(modified, changed) >= 2 }
}
