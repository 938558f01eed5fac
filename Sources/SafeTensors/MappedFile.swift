import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only and private, so that its pages are backed by the file: the kernel may drop them
/// at any time and fault them in again from the file, which is what makes `release` safe. (Foundation's
/// `.alwaysMapped` does not promise a mapping; dropping the pages of a heap copy would zero them.)
public enum MappedFile {
  /// The file's bytes, unmapped when the last copy of the `Data` goes away.
  public static func map(_ url: URL) throws -> Data {
    let descriptor = open(url.path, O_RDONLY)
    guard descriptor >= 0 else { throw failure(url) }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw failure(url) }
    let count = Int(status.st_size)
    // mmap refuses a length of 0; an empty file is reported as too small by the header check.
    guard count > 0 else { return Data() }
    guard let base = mmap(nil, count, PROT_READ, MAP_PRIVATE, descriptor, 0), base != MAP_FAILED else {
      throw failure(url)
    }
    return Data(bytesNoCopy: base, count: count, deallocator: .custom { pointer, count in
      munmap(pointer, count)
    })
  }

  /// Drops the whole pages inside `range` of a mapping made by `map` from this process's resident set.
  public static func release(_ mapping: UnsafeRawBufferPointer, range: Range<Int>) {
    guard let base = mapping.baseAddress else { return }
    let page = Int(getpagesize())
    let start = (Int(bitPattern: base) + range.lowerBound + page - 1) / page * page
    let end = (Int(bitPattern: base) + range.upperBound) / page * page
    guard end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
    // Advice only: a failure leaves the pages resident, which costs memory, not correctness.
    _ = madvise(pointer, end - start, MADV_DONTNEED)
  }

  private static func failure(_ url: URL) -> SafeTensorsError {
    .unreadable(path: url.path, reason: String(cString: strerror(errno)))
  }
}
