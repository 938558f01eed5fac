#if canImport(Glibc)
import Glibc
#endif

/// How the C heap treats the activations' large blocks, for a process that embeds batch after batch.
///
/// glibc's malloc maps blocks above its threshold afresh and gives freed memory at the top of its heap back to the
/// system, so a batch's activations (megabytes per layer, allocated and freed in every layer) came from fresh pages
/// that the kernel had to fault in and zero on every call: about 6,000 faults per batch-16 ViT-B/32 call, and on
/// this host, whose fresh pages are slow, 1-2% of the call. Kept by the heap, they are faulted in once.
public enum HeapPolicy {
  /// Asks the C heap to serve blocks of up to 32 MB itself and to keep what is freed (up to 512 MB at the top of
  /// the heap), so that the memory of one batch's activations is reused by the next. The process then holds on to
  /// its largest batch's activations after it. Only glibc has the setting; elsewhere this does nothing.
  ///
  /// Call it once the model is loaded: it first gives back what loading freed (`releaseFreedMemory`).
  public static func keepActivationMemory() {
    releaseFreedMemory()
    #if canImport(Glibc)
    // Looked up rather than declared: glibc's <malloc.h> is not part of Swift's Glibc module.
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    guard let symbol = dlsym(nil, "mallopt") else { return }
    let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
    // M_MMAP_THRESHOLD (-3): 32 MB is glibc's largest; setting it also ends glibc's own threshold adjustment.
    _ = mallopt(-3, 32 << 20)
    // M_TRIM_THRESHOLD (-1).
    _ = mallopt(-1, 512 << 20)
    #endif
  }

  /// Returns the free memory of every C heap arena to the system (`malloc_trim(0)`). Loading a model frees its
  /// temporaries (weights widened or quantized a block at a time, in the loading threads' own arenas) in the
  /// middle of heaps, where glibc does not give them back by itself: 7-8 MB of a ViT-B/32 at every precision,
  /// 3% of the int8 model's resident memory. Only glibc has it; elsewhere this does nothing.
  public static func releaseFreedMemory() {
    #if canImport(Glibc)
    typealias MallocTrim = @convention(c) (Int) -> Int32
    guard let symbol = dlsym(nil, "malloc_trim") else { return }
    _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
    #endif
  }
}
