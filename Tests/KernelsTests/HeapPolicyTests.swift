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
}
#endif
