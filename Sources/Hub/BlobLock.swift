import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock (`flock`) on `<cache>/.locks/models--org--name/<etag>.lock`, held while a blob is
/// downloaded.
///
/// The path is the one huggingface_hub locks (through the `filelock` package, which uses `flock` on Unix), so
/// two workers, or a worker and a Python process, never append to the same partial blob at once: the second
/// waits, then finds the blob complete.
final class BlobLock {
  private let descriptor: Int32

  /// Blocks until the lock is held.
  init(cacheDirectory: URL, repo: String, etag: String) throws {
    let folder = cacheDirectory.appendingPathComponent(".locks")
      .appendingPathComponent(RepoCache.folderName(repo: repo), isDirectory: true)
    let path = folder.appendingPathComponent(etag + ".lock").path
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    } catch {
      throw HubError.cache(path: folder.path, message: error.localizedDescription)
    }
    descriptor = open(path, O_RDWR | O_CREAT, 0o644)
    guard descriptor >= 0 else { throw HubError.cache(path: path, message: String(cString: strerror(errno))) }
    while flock(descriptor, LOCK_EX) != 0 {
      guard errno == EINTR else {
        let message = String(cString: strerror(errno))
        close(descriptor)
        throw HubError.cache(path: path, message: "cannot lock: \(message)")
      }
    }
  }

  deinit {
    flock(descriptor, LOCK_UN)
    close(descriptor)
  }
}
