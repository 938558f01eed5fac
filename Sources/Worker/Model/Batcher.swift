import Dispatch
import ImageCodecs
import Models

/// Runs the model's forward passes on one dedicated thread, coalescing concurrent work: inputs submitted
/// while a pass runs wait and go together into the next pass (up to `maxBatchSize` each). Texts and images
/// alternate so neither starves the other. The thread is not one of Swift concurrency's, so a long pass
/// never holds up the tasks that answer `cacheStats` or cancellations.
final class Batcher: Sendable {
  private struct Job<Input: Sendable>: Sendable {
    var input: Input
    var deliver: @Sendable ([Float]) -> Void
  }

  /// Gathers the embeddings of one submission, which may be split over several passes, and resumes its
  /// caller once the last one arrives.
  private final class Submission: Sendable {
    private let state: Locked<(embeddings: [[Float]], remaining: Int)>
    private let continuation: CheckedContinuation<[[Float]], Never>

    init(count: Int, continuation: CheckedContinuation<[[Float]], Never>) {
      state = Locked((Array(repeating: [], count: count), count))
      self.continuation = continuation
    }

    func deliver(_ embedding: [Float], at index: Int) {
      let finished: [[Float]]? = state.withLock { state in
        state.embeddings[index] = embedding
        state.remaining -= 1
        return state.remaining == 0 ? state.embeddings : nil
      }
      if let finished { continuation.resume(returning: finished) }
    }
  }

  private struct Queue {
    var texts: [Job<String>] = []
    var images: [Job<RGBImage>] = []
    var running = false
    var passes = 0
  }

  private let model: any EmbeddingModel
  private let maxBatchSize: Int
  private let logger: Logger
  private let queue = Locked(Queue())
  private let thread = DispatchQueue(label: "clip-worker.compute", qos: .userInitiated)

  /// - Parameter logger: told, at debug level, the size and duration of every pass.
  init(model: any EmbeddingModel, maxBatchSize: Int, logger: Logger = .silent) {
    precondition(maxBatchSize > 0, "Batcher: maxBatchSize must be positive")
    self.model = model
    self.maxBatchSize = maxBatchSize
    self.logger = logger
  }

  /// The number of forward passes run so far (texts and images counted separately).
  var forwardPasses: Int { queue.withLock { $0.passes } }

  /// The inputs waiting for a pass.
  var queuedCount: Int { queue.withLock { $0.texts.count + $0.images.count } }

  /// The embeddings of `texts`, in order. All are queued before the pass is started, so that they go
  /// into one pass (with whatever else is queued, up to `maxBatchSize`) rather than the first alone.
  func embed(texts: [String]) async -> [[Float]] { await submit(texts, to: \.texts) }

  /// The embeddings of `images`, in order, queued together like `embed(texts:)`.
  func embed(images: [RGBImage]) async -> [[Float]] { await submit(images, to: \.images) }

  private func submit<Input: Sendable>(_ inputs: [Input], to jobs: WritableKeyPath<Queue, [Job<Input>]>) async -> [[Float]] {
    if inputs.isEmpty { return [] }
    return await withCheckedContinuation { continuation in
      let submission = Submission(count: inputs.count, continuation: continuation)
      let start = queue.withLock { queue in
        for (index, input) in inputs.enumerated() {
          queue[keyPath: jobs].append(Job(input: input) { submission.deliver($0, at: index) })
        }
        defer { queue.running = true }
        return !queue.running
      }
      if start { thread.async { self.drain() } }
    }
  }

  private func drain() {
    while true {
      let (texts, images): ([Job<String>], [Job<RGBImage>]) = queue.withLock { queue in
        let texts = Array(queue.texts.prefix(maxBatchSize))
        queue.texts.removeFirst(texts.count)
        let images = Array(queue.images.prefix(maxBatchSize))
        queue.images.removeFirst(images.count)
        if texts.isEmpty && images.isEmpty { queue.running = false }
        queue.passes += (texts.isEmpty ? 0 : 1) + (images.isEmpty ? 0 : 1)
        return (texts, images)
      }
      if texts.isEmpty && images.isEmpty { return }
      if !texts.isEmpty { deliver(timed("text", texts.count) { model.textEmbeddings(texts.map(\.input)) }, to: texts) }
      if !images.isEmpty {
        deliver(timed("image", images.count) { model.imageEmbeddings(images.map(\.input)) }, to: images)
      }
    }
  }

  private func timed(_ kind: String, _ count: Int, _ pass: () -> [[Float]]) -> [[Float]] {
    let start = DispatchTime.now().uptimeNanoseconds
    let embeddings = pass()
    let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    logger.log(.debug, "\(kind) pass of \(count) input\(count == 1 ? "" : "s") in \(Int(milliseconds.rounded())) ms")
    return embeddings
  }

  private func deliver<Input: Sendable>(_ embeddings: [[Float]], to jobs: [Job<Input>]) {
    precondition(
      embeddings.count == jobs.count, "model returned \(embeddings.count) embeddings for \(jobs.count) inputs")
    for (job, embedding) in zip(jobs, embeddings) { job.deliver(embedding) }
  }
}
