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

// KernelIntrinsics reaches `vpdpbusd` through LLVM's intrinsics (`-parse-stdlib`), which needs the AVX-512 VNNI
// target features for the whole module; Kernels calls it only on a CPU that has them. Elsewhere (arm64, portable
// builds) the module is built without them and without its kernel (`CLIP_WORKER_VNNI` undefined).
#if arch(x86_64)
let intrinsicFlags: [SwiftSetting] = portable ? [] : [
  .unsafeFlags(["-target-cpu", "haswell", "-Xcc", "-mavx512f", "-Xcc", "-mavx512bw", "-Xcc", "-mavx512vl",
                "-Xcc", "-mavx512vnni"]),
  .define("CLIP_WORKER_VNNI"),
]
// KernelIntrinsicsAVX2: the int8 kernel for CPUs without VNNI, compiled for Haswell only (so that the compiler
// cannot slip AVX-512 into it).
let avx2IntrinsicFlags: [SwiftSetting] = portable ? [] : [
  .unsafeFlags(["-target-cpu", "haswell"]), .define("CLIP_WORKER_AVX2_INT8"),
]
// KernelIntrinsicsSHA: SHA-256 on the SHA extensions (`sha256rnds2`), for baseline x86_64 plus SSSE3/SSE4.1 and SHA
// only (CPUs with SHA-NI but no AVX2 exist: Goldmont).
let shaIntrinsicFlags: [SwiftSetting] = portable ? [] : [
  .unsafeFlags(["-Xcc", "-mssse3", "-Xcc", "-msse4.1", "-Xcc", "-msha"]), .define("CLIP_WORKER_SHA_NI"),
]
#else
let intrinsicFlags: [SwiftSetting] = []
let avx2IntrinsicFlags: [SwiftSetting] = []
let shaIntrinsicFlags: [SwiftSetting] = []
#endif
// Both: the `Builtin` module, and -O in debug builds as for Kernels.
let intrinsicModuleSettings: [SwiftSetting] = [
  .unsafeFlags(["-parse-stdlib"]), .unsafeFlags(["-O"], .when(configuration: .debug)),
]

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
    .target(name: "Kernels", dependencies: ["KernelIntrinsics", "KernelIntrinsicsAVX2", "KernelIntrinsicsSHA"],
            swiftSettings: engineSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))]),
    // MARK: KernelIntrinsics, KernelIntrinsicsAVX2: the int8 tile kernels on `vpdpbusd` (AVX-512 VNNI) and
    // `vpmaddwd` (AVX2), reached through the `Builtin` module (`-parse-stdlib`), and the F32 tile kernel on 16-float
    // vectors (AVX-512 F); used only by Kernels, after its CPU check. See Sources/KernelIntrinsics/Int8DotKernel.swift
    // and Float32TileKernel.swift.
    .target(name: "KernelIntrinsics", swiftSettings: intrinsicFlags + intrinsicModuleSettings),
    .target(name: "KernelIntrinsicsAVX2", swiftSettings: avx2IntrinsicFlags + intrinsicModuleSettings),
    // KernelIntrinsicsSHA: SHA-256's block function on `sha256rnds2` (the image cache's keys), used only by Kernels'
    // `SHA256Blocks` after its CPU check. See Sources/KernelIntrinsicsSHA/SHA256NIKernel.swift.
    .target(name: "KernelIntrinsicsSHA", swiftSettings: shaIntrinsicFlags + intrinsicModuleSettings),
    .testTarget(
      name: "KernelsTests", dependencies: ["Kernels", "KernelIntrinsics", "KernelIntrinsicsAVX2", "KernelIntrinsicsSHA"],
      exclude: ["Fixtures"]),

    // MARK: SafeTensors: memory-mapped safetensors files (F32/F16/BF16), strict header validation.
    .target(name: "SafeTensors", dependencies: ["Kernels"], swiftSettings: cpuFlags),
    .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors"], exclude: ["Fixtures"]),

    // MARK: TorchCheckpoint: pickled PyTorch weights (`pytorch_model.bin`, torch.save's zip format, sharded too),
    // memory-mapped; a pickle reader that admits only the tensor-rebuilding globals of `weights_only=True`.
    .target(name: "TorchCheckpoint", dependencies: ["SafeTensors", "Inflate", "Kernels"], swiftSettings: cpuFlags),
    .testTarget(name: "TorchCheckpointTests", dependencies: ["TorchCheckpoint", "SafeTensors"], exclude: ["Fixtures"]),

    // MARK: Tokenizer: byte-level BPE identical to Hugging Face CLIPTokenizerFast.
    .target(name: "Tokenizer"),
    .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer"], exclude: ["Fixtures"]),

    // MARK: Inflate: zlib / DEFLATE decompression (RFC 1950/1951).
    .target(name: "Inflate", swiftSettings: cpuFlags),
    .testTarget(name: "InflateTests", dependencies: ["Inflate"], exclude: ["Fixtures"]),

    // MARK: ImageCodecs: PNG, JPEG, GIF and BMP decoders to 8-bit RGB, EXIF orientation.
    .target(name: "ImageCodecs", dependencies: ["Inflate", "Kernels"], swiftSettings: cpuFlags),
    .testTarget(name: "ImageCodecsTests", dependencies: ["ImageCodecs"], exclude: ["Fixtures"]),

    // MARK: ImageProcessing: CLIPImageProcessor (Pillow resampling, crop, rescale, normalize), and SigLIP 2 NaFlex's
    // Siglip2ImageProcessor (aspect ratio kept, at most max_num_patches patches, flattened).
    .target(name: "ImageProcessing", dependencies: ["ImageCodecs", "Kernels"], swiftSettings: cpuFlags),
    .testTarget(name: "ImageProcessingTests", dependencies: ["ImageProcessing"], exclude: ["Fixtures"]),

    // MARK: Transformer: the layers every model family's towers are built from (attention with its mask kinds,
    // encoder layer and stack, layer norm, MLP, embedding tables), bound strictly to checkpoint tensors.
    .target(name: "Transformer", dependencies: ["Kernels", "SafeTensors", "TorchCheckpoint"], swiftSettings: cpuFlags),
    .testTarget(name: "TransformerTests", dependencies: ["Transformer"]),

    // MARK: CLIP: the CLIP family's config, text and vision towers, and the engine (model + tokenizer + processor).
    .target(
      name: "CLIP",
      dependencies: ["Kernels", "SafeTensors", "Transformer", "Tokenizer", "ImageCodecs", "ImageProcessing"],
      swiftSettings: cpuFlags),
    .testTarget(name: "CLIPTests", dependencies: ["CLIP", "Models", "TestSupport"], exclude: ["Fixtures"]),
    // TestSupport: helpers several test targets share (the cosine the parity tests compare with).
    .target(name: "TestSupport", path: "Tests/TestSupport"),

    // MARK: SigLIP: the SigLIP families (SigLIP, SigLIP 2 fixed-resolution; SigLIP 2 NaFlex, `siglip2`): configs,
    // towers with the attention-pooling head, the engines with the pipeline's padded texts.
    .target(
      name: "SigLIP",
      dependencies: ["Kernels", "SafeTensors", "Transformer", "Tokenizer", "ImageCodecs", "ImageProcessing"],
      swiftSettings: cpuFlags),
    .testTarget(name: "SigLIPTests", dependencies: ["SigLIP", "Models", "TestSupport"], exclude: ["Fixtures"]),

    // MARK: Hub: Hugging Face Hub ids resolved to checkpoint directories: the HF cache layout, offline mode,
    // downloads (FoundationNetworking on Linux) written atomically and resumably, of the files a family names.
    .target(name: "Hub", dependencies: ["SafeTensors", "TorchCheckpoint"]),
    .testTarget(name: "HubTests", dependencies: ["Hub", "HubTestSupport"], exclude: ["Fixtures"]),
    // A Hub stand-in on loopback (HTTP server with the Hub's headers), for the Hub tests and the worker's
    // end-to-end download tests; a library target because test targets cannot import each other.
    .target(name: "HubTestSupport", path: "Tests/HubTestSupport"),

    // MARK: Models: the model contract the worker serves (`EmbeddingModel`, the zero-shot score functions) and
    // the registry of families, chosen by `model_type`; CLIP is the first.
    .target(name: "Models", dependencies: ["CLIP", "SigLIP", "Hub", "ImageCodecs", "Transformer"]),
    .testTarget(name: "ModelsTests", dependencies: ["Models", "Hub"]),

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
    .target(name: "Worker", dependencies: ["JSONRPC", "Models", "Hub", "ImageCodecs", "Kernels", "PersistentStore"], plugins: ["EmbedOpenRPC"]),
    // protocol/openrpc.json embedded into Worker at build time (what rpc.discover returns, and the version).
    .plugin(name: "EmbedOpenRPC", capability: .buildTool(), dependencies: ["embed-openrpc"], path: "Sources/EmbedOpenRPC"),
    .executableTarget(name: "embed-openrpc"),
    // The end-to-end tests run the clip-worker executable, so `swift test` must build it.
    .testTarget(
      name: "WorkerTests",
      dependencies: ["Worker", "Models", "JSONRPC", "ImageCodecs", "Hub", "HubTestSupport", "clip-worker"],
      exclude: ["Fixtures"]),

    // MARK: clip-worker: the executable; argument handling, the one-shot commands' output, the progress bar, the
    // --html pages (their thumbnails made with ImageCodecs and ImageProcessing).
    .executableTarget(
      name: "clip-worker",
      dependencies: ["Worker", "Models", "JSONRPC", "Kernels", "Hub", "ImageCodecs", "ImageProcessing"]),

    // MARK: clip-bench: benchmarks against the Python reference (not tests); its reference scripts sit in
    // Sources/clip-bench/reference.
    .executableTarget(
      name: "clip-bench",
      dependencies: [
        "CLIP", "SigLIP", "Models", "Kernels", "ImageCodecs", "ImageProcessing", "JSONRPC", "PersistentStore", "Worker",
      ],
      exclude: ["reference"], swiftSettings: cpuFlags),
  ],
  swiftLanguageModes: [.v6]
)
