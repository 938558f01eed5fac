#if canImport(Glibc)
import Glibc
import Testing
import Kernels

/// `HeapPolicy.keepActivationMemory()` through glibc: a large block freed and allocated again comes back without
/// page faults, as a batch's activations do from one call to the next.
@Suite(.timeLimit(.minutes(5))) struct HeapPolicyTests {
  /// AddressSanitizer and ThreadSanitizer bring their own allocators, which `mallopt` does not configure.
  static let glibcAllocates = dlsym(nil, "__asan_init") == nil && dlsym(nil, "__tsan_init") == nil

  @Test(.enabled(if: glibcAllocates, "a sanitizer's allocator ignores mallopt"))
  func freedActivationsAreReusedWithoutFaults() {
    HeapPolicy.keepActivationMemory()
    let count = 3 << 20  // 12 MB of floats: above glibc's default threshold, below the policy's 32 MB.
    func faults() -> Int {
      var usage = rusage()
      getrusage(RUSAGE_SELF.rawValue, &usage)
      return usage.ru_minflt
    }
    func touch() -> Float {
      let floats = [Float](repeating: 1, count: count)
      return floats[count / 2]
    }
    _ = touch()
    let before = faults()
    let value = touch()
    let pages = count * MemoryLayout<Float>.size / 4096
    #expect(value == 1)
    #expect(faults() - before < pages / 10, "a 12 MB block came back as fresh pages (\(pages) pages)")
  }

  /// Small blocks freed in the middle of the heap stay resident (with the policy's trim threshold nothing goes
  /// back by itself) until `releaseFreedMemory` returns them. Other suites allocate in the same process meanwhile,
  /// so one of three attempts has to show the drop.
  @Test(.enabled(if: glibcAllocates, "a sanitizer's allocator ignores malloc_trim"))
  func freedSmallBlocksGoBackToTheSystem() throws {
    HeapPolicy.keepActivationMemory()
    var drops: [Int] = []
    for _ in 0..<3 {
      let blocks = 8192, bytes = 4096  // 32 MB in blocks far below any mmap threshold
      var pointers = (0..<blocks).map { _ in UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 16) }
      for pointer in pointers { pointer.initializeMemory(as: UInt8.self, repeating: 1, count: bytes) }
      // One block kept past the others, so that the freed ones are not the heap's top.
      let pin = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 16)
      defer { pin.deallocate() }
      pointers.forEach { $0.deallocate() }
      pointers = []
      let freed = try #require(Self.residentKilobytes())
      HeapPolicy.releaseFreedMemory()
      let released = try #require(Self.residentKilobytes())
      drops.append(freed - released)
      if freed - released > 16 * 1024 { break }
    }
    #expect(drops.contains { $0 > 16 * 1024 }, "RSS drops of \(drops) kB after the trims, 32 MB freed each time")
  }

  /// `VmRSS` of /proc/self/status.
  static func residentKilobytes() -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
    return line?.split(separator: " ").dropFirst().first.flatMap { Int($0) }
  }
}
#endif
