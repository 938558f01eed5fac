import Foundation
import Testing

@testable import Worker

/// Image paths are read only when they name a regular file within the size limit.
@Suite(.timeLimit(.minutes(5))) struct BoundedFileReaderTests {
  @Test func readsARegularFileWithinTheLimit() throws {
    let path = try TestImages.file([1, 2, 3, 4])
    #expect(try BoundedFileReader.read(path, maxBytes: 4) == [1, 2, 3, 4])
  }

  @Test func refusesAFileOverTheLimit() throws {
    let path = try TestImages.file([UInt8](repeating: 7, count: 200_000))
    #expect(throws: InputError.fileTooLarge(path, byteCount: 200_000, limit: 100_000)) {
      try BoundedFileReader.read(path, maxBytes: 100_000)
    }
  }

  /// /dev/zero never ends: it is refused from its type, before a byte is read.
  @Test func refusesDevicesDirectoriesAndMissingFiles() throws {
    #expect(throws: InputError.notRegularFile("/dev/zero")) { try BoundedFileReader.read("/dev/zero", maxBytes: 10) }
    #expect(throws: InputError.isDirectory("/")) { try BoundedFileReader.read("/", maxBytes: 10) }
    #expect(throws: InputError.noSuchFile("/no/such/file")) {
      try BoundedFileReader.read("/no/such/file", maxBytes: 10)
    }
  }

  @Test func refusesAFIFOWithoutWaitingForAWriter() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("fifo-\(UUID().uuidString)").path
    #expect(mkfifo(path, 0o600) == 0)
    defer { unlink(path) }
    #expect(throws: InputError.notRegularFile(path)) { try BoundedFileReader.read(path, maxBytes: 10) }
  }

  @Test func reportsASymlinkLoop() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loop-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let a = directory.appendingPathComponent("a").path, b = directory.appendingPathComponent("b").path
    try FileManager.default.createSymbolicLink(atPath: a, withDestinationPath: b)
    try FileManager.default.createSymbolicLink(atPath: b, withDestinationPath: a)
    #expect(throws: InputError.unreadable(a, String(cString: strerror(ELOOP)))) {
      try BoundedFileReader.read(a, maxBytes: 10)
    }
  }
}
