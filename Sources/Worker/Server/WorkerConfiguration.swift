import ImageCodecs
import Kernels
import JSONRPC

/// Everything the executable's options decide. Defaults are the documented ones.
public struct WorkerConfiguration: Sendable {
  /// The bound on the embedding cache, in bytes (`--cache-mb` × 1 MiB). Default 256 MiB.
  public var cacheCapacityBytes = 256 * 1024 * 1024
  /// How the encoder layers' linear weights are held (`--precision`): `.float32` (the default) computes exactly as
  /// `transformers` does; `.int8` and `.bfloat16` trade a little fidelity for speed or memory.
  public var precision = LinearPrecision.float32
  /// Threads for reading and decoding images; the executable gives the model's kernels as many.
  public var threads = 2
  /// Bounds checked before decoding an image.
  public var imageLimits = ImageLimits()
  /// The largest image file read from a path (`--max-file-mb`). Default 64 MiB. Inline data is bounded
  /// by `maxMessageBytes` instead.
  public var maxImageFileBytes = 64 * 1024 * 1024
  /// Which paths requests may name (`--allow-path`, `--no-paths`). Default: any.
  public var pathPolicy = PathPolicy.any
  /// Bounds on one request's inputs (`--max-request-*`).
  public var requestLimits = RequestLimits()
  /// The most inputs of one kind coalesced into one forward pass.
  public var maxBatchSize = 32
  /// The most calls computing at once. When as many are in flight, the reader stops reading until one
  /// finishes: the pipe fills and a client writing faster than the worker answers waits, instead of the
  /// worker queueing without bound (memory stays flat however many requests are pipelined).
  public var maxCallsInFlight = 256
  /// The longest accepted line; longer ones are discarded and answered with `messageTooLarge`.
  public var maxMessageBytes = LineFramer.defaultMaxLineBytes
  /// The deepest accepted nesting of arrays and objects in a message.
  public var maxNestingDepth = JSONParser.defaultMaxDepth

  /// The persistent embedding store's directory (`--store`), or nil for none (the default here; the executable
  /// defaults to `$XDG_CACHE_HOME/clip-worker`).
  public var storeDirectory: String?
  /// The persistent store's bound (`--store-mb` × 1 MiB). Default 2 GiB.
  public var storeCapacityBytes = 2048 * 1024 * 1024

  public init() {}
}
