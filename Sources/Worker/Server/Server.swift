import Dispatch
import Foundation
import Hub
import JSONRPC
import Models

/// The JSON-RPC server: reads frames, answers every request exactly once, tracks the calls in flight for
/// cancellation and for an orderly end, and decides the exit code.
///
/// Threads: `receive` is called by one reader thread, in input order, and never blocks on computation —
/// each call runs in its own task, and the heavy work runs on the batcher's and the input queue's threads.
/// So a burst of requests is all read and queued, responses go out as each finishes (in any order), and a
/// slow request does not hold up `cacheStats` or `$/cancelRequest`. The one wait: once
/// `maxCallsInFlight` calls are running, `receive` waits for one to finish (backpressure, so that a client
/// pipelining without bound fills the pipe rather than the worker's memory).
///
/// Exactly once: a call is answered by whoever removes it from the table of active calls first — its own
/// task, a cancellation, or `exit`.
public final class Server: Sendable {
  static let exitMethod = "exit"
  static let cancelMethod = "$/cancelRequest"
  /// The members `$/cancelRequest` reads.
  static let cancelParameters: Set<String> = ["id"]

  fileprivate struct ActiveCall {
    /// Nil for a notification, which is tracked (so the end of input waits for it) but not answered.
    var id: RequestID?
    var task: Task<Void, Never>?
    var reply: @Sendable (Response) -> Void
  }

  fileprivate struct State {
    var phase = ServerPhase.serving
    /// After `shutdown`, every request is refused with `shuttingDown` whatever the phase.
    var shutdownRequested = false
    var nextSerial = 0
    var active: [Int: ActiveCall] = [:]
    var serialByID: [RequestID: Int] = [:]
    /// Responses removed from `active` and not yet written; the process may not end while any remain.
    var repliesInProgress = 0
    var exitWaiters: [CheckedContinuation<Int32, Never>] = []
    /// Whether the model is loading, loaded or failed: the end of input waits for a load in progress.
    var model = ModelStatus.loading
    /// The input has ended (end of file, or the reader stopped after a failed load).
    var inputEnded = false
  }

  fileprivate enum ModelStatus { case loading, ready, failed }

  private let session: Session
  private let output: @Sendable ([UInt8]) -> Bool
  private let logger: Logger
  private let state = Locked(State())
  private let ended = DispatchSemaphore(value: 0)
  /// One per call that may be in flight: taken by the reader before a call starts, given back when the call
  /// leaves the table of active calls.
  private let slots: DispatchSemaphore
  private let loadFailed: @Sendable () -> Void

  /// - Parameters: as `Session.init`'s (clients that ask for it also get `$/progress` notifications of the
  ///   download), and `output`, which writes one message (a line without its terminator) and returns false once
  ///   output is gone; `loadFailed`, called once if the model cannot be loaded, so that the reader can stop
  ///   once the input already sent has been read (the executable's reader then ends the input).
  public init(
    configuration: WorkerConfiguration, source: ModelReference, resolve: @escaping ModelResolving = resolveFromHub,
    load: ModelLoading? = nil, decode: @escaping ImageDecoder,
    output: @escaping @Sendable ([UInt8]) -> Bool, logger: Logger,
    progress: @escaping @Sendable (DownloadProgress) -> Void = { _ in },
    loadFailed: @escaping @Sendable () -> Void = {}
  ) {
    self.loadFailed = loadFailed
    session = Session(
      configuration: configuration, source: source, resolve: resolve, load: load, decode: decode, logger: logger,
      notify: { notification in _ = output(notification.serialized()) }, progress: progress)
    slots = DispatchSemaphore(value: max(1, configuration.maxCallsInFlight))
    self.output = output
    self.logger = logger
  }

  /// The embedding cache, for inspection.
  public var cache: EmbeddingCache { session.cache }

  /// Inputs waiting for a forward pass (0 before the model has loaded).
  var queuedInputs: Int { session.queuedInputs }

  private var configuration: WorkerConfiguration { session.context.configuration }

  /// Starts resolving and loading the model. Requests may be received before it has loaded; those that need
  /// it wait. A failed load ends the server with 1 once the input has ended (what arrives meanwhile is answered
  /// with `modelUnavailable`) and the calls in flight are answered, whatever came first: the load's failure or
  /// the end of input.
  public func start() {
    session.start(
      failed: {
        self.state.withLock { state in
          state.model = .failed
          if state.phase == .serving { state.phase = .draining(exitCode: 1, readingInput: true) }
        }
        self.loadFailed()
        self.finishIfDone()
      },
      ready: {
        let inputEnded = self.state.withLock { state in
          state.model = .ready
          return state.inputEnded
        }
        if inputEnded { self.endWhenIdle(code: 0) }
      })
  }

  // MARK: - Input

  /// Handles one frame of input. Returns false when no more input should be read (after `exit`).
  @discardableResult
  public func receive(_ frame: LineFramer.Frame) -> Bool {
    // Answers written directly from here count as replies in progress, so that the process cannot end
    // (after a failed load, say) in the middle of writing one.
    let accepted = state.withLock { state in
      guard state.phase.acceptsInput else { return false }
      state.repliesInProgress += 1
      return true
    }
    guard accepted else { return false }
    defer { replyWritten() }
    switch frame {
    case let .oversized(byteCount):
      logger.log(.warning, "discarded a message of \(byteCount) bytes")
      write(
        Response(id: .null, error: .messageTooLarge(byteCount: byteCount, limit: configuration.maxMessageBytes))
          .json)
    case let .malformed(why):
      logger.log(.warning, "unreadable framing: \(why)")
      write(Response(id: .null, error: .badFraming(why)).json)
    case let .line(bytes):
      switch Incoming(line: bytes, maxDepth: configuration.maxNestingDepth) {
      case let .single(entry):
        handle(entry) { self.write($0.json) }
      case let .batch(entries):
        let answered = entries.filter { if case .message(.notification) = $0 { false } else { true } }.count
        let collector = BatchCollector(expected: answered) { self.write(.array($0.map(\.json))) }
        for entry in entries { handle(entry) { collector.add($0) } }
      }
    }
    return state.withLock { $0.phase.acceptsInput }
  }

  /// The input has ended: the calls in flight are finished and answered, then the process ends with 0. While
  /// the model is still loading, the end waits for the load: it ends with 1 if the load fails.
  public func endOfInput() {
    logger.log(.debug, "end of input")
    let model = state.withLock { state in
      state.inputEnded = true
      return state.model
    }
    switch model {
    case .loading: logger.log(.debug, "waiting for the model's load to end")
    case .ready: endWhenIdle(code: 0)
    case .failed: finishIfDone()
    }
  }

  private func handle(_ entry: Incoming.Entry, reply: @escaping @Sendable (Response) -> Void) {
    let message: Message
    switch entry {
    case let .invalid(response):
      reply(response)
      return
    case let .message(valid): message = valid
    }
    let id: RequestID?
    if case let .request(request) = message { id = request.id } else { id = nil }
    let answer: @Sendable (Result<JSONValue, RPCError>) -> Void = { outcome in
      if let id { reply(Response(id: id, outcome: outcome)) }
    }

    switch message.method {
    case Server.exitMethod:
      answer(.success(.null))
      exit()
      return
    case Server.cancelMethod:
      answer(Result { () throws(RPCError) in try cancel(params: message.params) }.map { .null })
      return
    default: break
    }

    guard let method = Session.method(named: message.method) else {
      if id != nil || !message.method.hasPrefix("$/") { logger.log(.debug, "unknown method \(message.method)") }
      answer(.failure(.methodNotFound(message.method)))
      return
    }
    // Backpressure: the reader waits here while `maxCallsInFlight` calls are computing.
    slots.wait()
    let refusal: RPCError? = state.withLock { state in
      // The input was stopped (a signal) while this call waited for a slot: it is not run.
      if state.phase.inputStopped { return .requestCancelled }
      // Draining (after a failed load) still answers what arrives: with modelUnavailable.
      switch state.phase {
      case .closing, .ended(_, readingInput: false): return .shuttingDown
      case .serving, .draining, .ended: if state.shutdownRequested { return .shuttingDown }
      }
      if let id, state.serialByID[id] != nil {
        return .invalidRequest("id \(id) is already used by a request in flight")
      }
      if method == Shutdown.self { state.shutdownRequested = true }
      return nil
    }
    if let refusal {
      slots.signal()
      answer(.failure(refusal))
      return
    }
    start(method, params: message.params, id: id, reply: reply)
  }

  /// The tasks of every call in flight, for `shutdown` to wait on.
  private func activeTasks() -> [Task<Void, Never>] { state.withLock { $0.active.values.compactMap(\.task) } }

  /// Runs a call in its own task, tracked in the table of active calls.
  private func start(
    _ method: any Method.Type, params: JSONValue?, id: RequestID?, reply: @escaping @Sendable (Response) -> Void
  ) {
    let session = self.session
    // `shutdown` answers once every call received before it has been answered, so that a client may
    // send `exit` as soon as it has the answer without cancelling anything.
    let predecessors = method == Shutdown.self ? activeTasks() : []
    state.withLock { state in
      let serial = state.nextSerial
      state.nextSerial += 1
      let task = Task {
        for predecessor in predecessors { await predecessor.value }
        self.complete(serial, with: await session.call(method, params: params))
      }
      state.active[serial] = ActiveCall(id: id, task: task, reply: reply)
      if let id { state.serialByID[id] = serial }
    }
  }

  // MARK: - Answers

  /// Answers a call unless something else already did.
  private func complete(_ serial: Int, with outcome: Result<JSONValue, RPCError>) {
    guard let call = claim(serial) else { return }
    if let id = call.id { call.reply(Response(id: id, outcome: outcome)) }
    replyWritten()
  }

  /// Removes a call from the table; the caller must reply (if it has an id) and then call `replyWritten`.
  private func claim(_ serial: Int) -> ActiveCall? {
    let call: ActiveCall? = state.withLock { state in
      guard let call = state.active.removeValue(forKey: serial) else { return nil }
      if let id = call.id { state.serialByID[id] = nil }
      state.repliesInProgress += 1
      return call
    }
    if call != nil { slots.signal() }
    return call
  }

  private func replyWritten() {
    state.withLock { $0.repliesInProgress -= 1 }
    finishIfDone()
  }

  /// `$/cancelRequest {id}`: the request (if still in flight) is answered with requestCancelled now and
  /// its task is cancelled. Unknown or finished ids are ignored, as the race is normal.
  private func cancel(params: JSONValue?) throws(RPCError) {
    let reader = try ParamsReader(params, accepted: Self.cancelParameters)
    let idValue: JSONValue = try reader.required("id")
    guard let id = RequestID(json: idValue) else { throw .invalidParams("id must be a string or a number") }
    guard let serial = state.withLock({ $0.serialByID[id] }), let call = claim(serial) else {
      logger.log(.debug, "cancel: no request \(id) in flight")
      return
    }
    call.task?.cancel()
    call.reply(Response(id: id, error: .requestCancelled))
    replyWritten()
  }

  // MARK: - Ending

  /// `exit`: every call still in flight is answered with requestCancelled, then the process ends — with 0
  /// after `shutdown`, 1 without.
  private func exit() {
    cancelAll { state in
      switch state.phase {
      case .serving, .draining:
        state.phase = .closing(exitCode: state.shutdownRequested ? 0 : 1, inputStopped: state.phase.inputStopped)
      case .closing, .ended: break
      }
    }
  }

  /// A termination signal (SIGTERM, SIGINT): no more input is read; the calls in flight have `grace` seconds
  /// to finish and be answered, then those left are answered with requestCancelled; the process ends with 0
  /// (or 1 when the model had failed to load). It is an orderly end the client did not ask for, so what
  /// was asked is either answered or cancelled, never dropped.
  public func terminate(grace: Double) {
    state.withLock { state in
      // Already ending (exit, end of input, a failed load, output gone): that end and its code stand.
      switch state.phase {
      case .serving: state.phase = .draining(exitCode: 0, readingInput: false)
      case let .draining(code, _): state.phase = .draining(exitCode: code, readingInput: false)
      case let .closing(code, _): state.phase = .closing(exitCode: code, inputStopped: true)
      case .ended: break
      }
    }
    finishIfDone()
    DispatchQueue.global().asyncAfter(deadline: .now() + grace) {
      self.cancelAll { state in state.stopWaitingForCalls() }
    }
  }

  /// Answers every call in flight with requestCancelled and cancels its task, after `update` has set how the
  /// process ends (under the same lock, so no call can start in between).
  private func cancelAll(_ update: (inout State) -> Void) {
    let calls: [ActiveCall] = state.withLock { state in
      update(&state)
      let calls = Array(state.active.values)
      state.active = [:]
      state.serialByID = [:]
      state.repliesInProgress += calls.count
      return calls
    }
    for _ in calls { slots.signal() }
    for call in calls {
      call.task?.cancel()
      if let id = call.id { call.reply(Response(id: id, error: .requestCancelled)) }
      state.withLock { $0.repliesInProgress -= 1 }
    }
    finishIfDone()
  }

  private func endWhenIdle(code: Int32) {
    state.withLock { state in
      guard state.phase == .serving else { return }
      state.phase = .draining(exitCode: code, readingInput: true)
    }
    finishIfDone()
  }

  private func finishIfDone() {
    let (code, waiters): (Int32?, [CheckedContinuation<Int32, Never>]) = state.withLock { state in
      guard let code = state.phase.exitCode, state.repliesInProgress == 0 else { return (nil, []) }
      switch state.phase {
      case .ended, .serving: return (nil, [])
      case .draining where !state.active.isEmpty: return (nil, [])
      // After a failed load, the input is read to its end (each request answered) before the process ends.
      case .draining(_, readingInput: true) where !state.inputEnded: return (nil, [])
      case let .draining(_, reading): state.phase = .ended(exitCode: code, readingInput: reading)
      case .closing: state.phase = .ended(exitCode: code, readingInput: false)
      }
      defer { state.exitWaiters = [] }
      return (code, state.exitWaiters)
    }
    guard let code else { return }
    logger.log(.debug, "ending with code \(code)")
    session.close()
    for waiter in waiters { waiter.resume(returning: code) }
    ended.signal()
  }

  private func write(_ message: JSONValue) {
    guard output(message.serialized()) else {
      logger.log(.debug, "output closed")
      state.withLock { state in
        if state.phase == .serving { state.phase = .closing(exitCode: 0, inputStopped: false) }
        state.stopWaitingForCalls()
      }
      return
    }
  }

  /// Blocks until the process should end; returns the exit code.
  public func waitForExit() -> Int32 {
    ended.wait()
    ended.signal()
    return state.withLock { $0.phase.exitCode ?? 0 }
  }

  /// Waits until the process should end; returns the exit code.
  public func exitCode() async -> Int32 {
    await withCheckedContinuation { continuation in
      let code: Int32? = state.withLock { state in
        if case let .ended(code, _) = state.phase { return code }
        state.exitWaiters.append(continuation)
        return nil
      }
      if let code { continuation.resume(returning: code) }
    }
  }
}

/// Gathers the responses of one batch and writes them as one array when the last arrives.
private final class BatchCollector: Sendable {
  private let expected: Int
  private let responses = Locked([Response]())
  private let send: @Sendable ([Response]) -> Void

  init(expected: Int, send: @escaping @Sendable ([Response]) -> Void) {
    self.expected = expected
    self.send = send
  }

  func add(_ response: Response) {
    let complete: [Response]? = responses.withLock { responses in
      responses.append(response)
      return responses.count == expected ? responses : nil
    }
    if let complete { send(complete) }
  }
}

extension Server.State {
  /// Draining becomes closing: the calls still in flight are no longer waited for.
  mutating func stopWaitingForCalls() {
    if case let .draining(code, reading) = phase { phase = .closing(exitCode: code, inputStopped: !reading) }
  }
}
