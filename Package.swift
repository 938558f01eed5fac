// swift-tools-version:6.0
//
// clip-worker: a resident CLIP embedding worker speaking newline-delimited JSON-RPC 2.0 over stdio.
// No package dependencies: everything below builds with the Swift toolchain alone.
import PackageDescription

// MARK: - CPU flags
//
// Swift emits baseline code (SSE2 on x86_64) unless told the target CPU. The matrix kernels need AVX2+FMA
// to be fast, so on an x86_64 host we compile the engine modules for `haswell` (Haswell and later: AVX2,
// FMA, F16C, BMI2). The manifest is evaluated on the host, so this is a host check: a binary built here
// needs a Haswell-class CPU (2013 or later). Set CLIP_WORKER_PORTABLE=1 to build a baseline binary for older x86_64 CPUs.
// On arm64 (Apple silicon, Graviton) NEON is baseline and no flag is needed.
#if arch(x86_64)
let portable = Context.environment["CLIP_WORKER_PORTABLE"] == "1"
let cpuFlags: [SwiftSetting] = portable ? [] : [.unsafeFlags(["-target-cpu", "haswell"])]
#else
let cpuFlags: [SwiftSetting] = []
#endif

let engineSettings: [SwiftSetting] = cpuFlags + [.unsafeFlags(["-enforce-exclusivity=unchecked"])]

let package = Package(
  name: "clip-worker",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "clip-worker", targets: ["clip-worker"]),
    .executable(name: "clip-bench", targets: ["clip-bench"]),
  ],
  targets: [
    // MARK: Kernels: the only module with unsafe pointers and SIMD. Dense matrices, the packed matrix
    // multiply, layer norm, softmax, activations, attention; and the checked byte/fixed-point loops the
    // codecs and preprocessing call (float widening, resampling, PNG unfiltering, JPEG IDCT/upsampling/colour).
    // Debug builds compile it with -O too: unoptimized SIMD code runs ~250x slower, which would make every debug
    // test that runs the model (here and in the modules above) take minutes.
    .target(name: "Kernels", swiftSettings: engineSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))]),
    .testTarget(name: "KernelsTests", dependencies: ["Kernels"], exclude: ["Fixtures"]),

    // MARK: SafeTensors: memory-mapped safetensors files (F32/F16/BF16), strict header validation.
    .target(name: "SafeTensors", dependencies: ["Kernels"], swiftSettings: cpuFlags),
    .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors"], exclude: ["Fixtures"]),

    // MARK: Tokenizer: byte-level BPE identical to Hugging Face CLIPTokenizerFast.
    .target(name: "Tokenizer"),
    .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer"], exclude: ["Fixtures"]),

    // MARK: Inflate: zlib / DEFLATE decompression (RFC 1950/1951).
    .target(name: "Inflate", swiftSettings: cpuFlags),
    .testTarget(name: "InflateTests", dependencies: ["Inflate"], exclude: ["Fixtures"]),

    // MARK: ImageCodecs: PNG, JPEG, GIF and BMP decoders to 8-bit RGB, EXIF orientation.
    .target(name: "ImageCodecs", dependencies: ["Inflate", "Kernels"], swiftSettings: cpuFlags),
    .testTarget(name: "ImageCodecsTests", dependencies: ["ImageCodecs"], exclude: ["Fixtures"]),

    // MARK: ImageProcessing: CLIPImageProcessor (Pillow resampling, crop, rescale, normalize).
    .target(name: "ImageProcessing", dependencies: ["ImageCodecs", "Kernels"], swiftSettings: cpuFlags),
    .testTarget(name: "ImageProcessingTests", dependencies: ["ImageProcessing"], exclude: ["Fixtures"]),

    // MARK: CLIP: config, checkpoint loading, text and vision encoders, similarity, the engine facade.
    .target(
      name: "CLIP",
      dependencies: ["Kernels", "SafeTensors", "Tokenizer", "ImageCodecs", "ImageProcessing"],
      swiftSettings: cpuFlags),
    .testTarget(name: "CLIPTests", dependencies: ["CLIP"], exclude: ["Fixtures"]),

    // MARK: Hub: Hugging Face Hub ids resolved to checkpoint directories: the HF cache layout, offline mode,
    // downloads (FoundationNetworking on Linux) written atomically and resumably.
    .target(name: "Hub"),
    .testTarget(name: "HubTests", dependencies: ["Hub", "HubTestSupport"], exclude: ["Fixtures"]),
    // A Hub stand-in on loopback (HTTP server with the Hub's headers), for the Hub tests and the worker's
    // end-to-end download tests; a library target because test targets cannot import each other.
    .target(name: "HubTestSupport", path: "Tests/HubTestSupport"),

    // MARK: PersistentStore: the embedding store on disk: keys (bytes) to Float32 vectors in checksummed, append-only
    // segment files with hint files, an in-memory index, LRU bound, background compaction, several processes at once.
    // No model or JSON-RPC knowledge; its format is in Sources/PersistentStore/README.md.
    // Debug builds compile it with -O (as Kernels): the crash tests open the store hundreds of times.
    .target(
      name: "PersistentStore", exclude: ["README.md"],
      swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
    .testTarget(name: "PersistentStoreTests", dependencies: ["PersistentStore", "store-stress"]),
    // The child process of the store's crash and concurrency tests (kill -9 while writing, four writers at once)
    // and its benchmark (`store-stress bench`); not a product.
    .executableTarget(name: "store-stress", dependencies: ["PersistentStore"], path: "Tests/StoreStress"),

    // MARK: JSONRPC: JSON values, the line framing, JSON-RPC 2.0 envelopes and errors. No CLIP knowledge.
    .target(name: "JSONRPC"),
    .testTarget(name: "JSONRPCTests", dependencies: ["JSONRPC"], exclude: ["Fixtures"]),

    // MARK: Worker: the methods, dispatch, embedding cache, batching, cancellation, model lifecycle.
    .target(name: "Worker", dependencies: ["JSONRPC", "CLIP", "Hub"]),
    // The end-to-end tests run the clip-worker executable, so `swift test` must build it.
    .testTarget(
      name: "WorkerTests", dependencies: ["Worker", "JSONRPC", "ImageCodecs", "Hub", "HubTestSupport", "clip-worker"],
      exclude: ["Fixtures"]),

    // MARK: clip-worker: the executable; argument handling, the one-shot commands' output, the progress bar.
    .executableTarget(name: "clip-worker", dependencies: ["Worker", "CLIP", "JSONRPC", "Kernels", "Hub"]),

    // MARK: clip-bench: benchmarks against the Python reference (not tests); its reference scripts sit in
    // Sources/clip-bench/reference.
    .executableTarget(
      name: "clip-bench", dependencies: ["CLIP", "Kernels", "ImageCodecs", "ImageProcessing", "JSONRPC"],
      exclude: ["reference"], swiftSettings: cpuFlags),
  ],
  swiftLanguageModes: [.v5]
)
