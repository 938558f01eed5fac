import Foundation
import ImageCodecs
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What `index` trusts without reading a file (`FileStamp`): a file rewritten with other bytes of the same size and
/// its old modification time put back (`touch -r`, `cp -p`, `rsync -t`) is read again, as its ctime changed; a file
/// left alone is not; a file stamped within 2 s of its last change is read once more by the next `index`.
@Suite(.timeLimit(.minutes(5))) struct IndexStampTests {
  private static func image(_ seed: UInt32) -> Data {
    var state = seed &* 2_654_435_761 | 1
    let pixels = (0..<(32 * 32 * 3)).map { _ -> UInt8 in
      state = state &* 1_664_525 &+ 1_013_904_223
      return UInt8(truncatingIfNeeded: state >> 24)
    }
    return Data(BMP.encode(RGBImage(width: 32, height: 32, pixels: pixels)))
  }

  @Test func aRewrittenFileWithItsOldTimeIsReadAgain() async throws {
    let root = FileManager.default.temporaryDirectory
      .appendingPathComponent("clip-worker-index-stamp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    let images = root.appendingPathComponent("images")
    try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: root) }
    let a = images.appendingPathComponent("a.bmp"), b = images.appendingPathComponent("b.bmp")
    try Self.image(1).write(to: a)
    try Self.image(2).write(to: b)
    let index = ["index", images.path, "--collection", "pics", "--model", WorkerProcess.tinyCLIP.path,
                 "--store", root.appendingPathComponent("store").path]
    func run() async throws -> String {
      let (code, summary, errors) = try await WorkerProcess.run(index)
      #expect(code == 0, "\(errors)")
      return summary
    }
    // Just written: stamped within 2 s of their change, so not trusted yet; read again (same bytes: unchanged).
    #expect(try await run().contains("2 added, 0 updated, 0 removed, 0 unchanged, 0 failed"))
    try await Task.sleep(nanoseconds: 2_200_000_000)
    #expect(try await run().contains("0 added, 0 updated, 0 removed, 2 unchanged, 0 failed"))

    // Other bytes of the same size, the old modification time put back: size and mtime as recorded, ctime not.
    var before = stat()
    try #require(stat(a.path, &before) == 0)
    let replacement = Self.image(3)
    try #require(replacement.count == (try Data(contentsOf: a)).count)
    // Written in place (same inode), as `dd conv=notrunc` or a database would.
    let handle = try FileHandle(forWritingTo: a)
    try handle.write(contentsOf: replacement)
    try handle.close()
    #if canImport(Darwin)
      let times = [before.st_atimespec, before.st_mtimespec]
    #else
      let times = [before.st_atim, before.st_mtim]
    #endif
    try #require(utimensat(AT_FDCWD, a.path, times, 0) == 0)
    var after = stat()
    try #require(stat(a.path, &after) == 0)
    #if canImport(Darwin)
      try #require(after.st_mtimespec.tv_nsec == before.st_mtimespec.tv_nsec && after.st_size == before.st_size)
    #else
      try #require(after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec
                   && after.st_size == before.st_size && after.st_ino == before.st_ino)
    #endif
    #expect(try await run().contains("0 added, 1 updated, 0 removed, 1 unchanged, 0 failed"))
  }
}
