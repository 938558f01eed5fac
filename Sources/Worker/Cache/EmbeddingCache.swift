/// The embedding cache: an LRU map bounded in bytes, with single flight — while an embedding is being
/// computed, every other lookup of the same key waits for that computation instead of starting its own.
/// Embeddings are stored as the model returns them (not normalized).
public final class EmbeddingCache: Sendable {
  private struct State {
    var entries: LRUCache<CacheKey, [Float]>
    var inFlight: [CacheKey: Task<[Float], Error>] = [:]
    var statistics: CacheStatistics
    /// Bumped by `clear()`, so a computation started before a clear does not refill the cache after it.
    var generation = 0
  }

  private let state: Locked<State>

  /// - Parameter capacityBytes: the bound on the bytes charged for entries (see `CacheKey.cost`); 0
  ///   disables caching, though concurrent lookups of one key are still computed once.
  public init(capacityBytes: Int) {
    precondition(capacityBytes >= 0, "EmbeddingCache: negative capacity")
    state = Locked(
      State(entries: LRUCache(capacity: capacityBytes), statistics: CacheStatistics(capacityBytes: capacityBytes)))
  }

  /// The embedding for `key`: from the cache, from a computation of it already running, or computed now
  /// by `compute` (and then stored). `cached` is false only when this call ran `compute`. A failed
  /// computation is not stored: every waiter gets its error and the next lookup tries again.
  public func embedding(
    for key: CacheKey, compute: @escaping @Sendable () async throws -> [Float]
  ) async throws -> (vector: [Float], cached: Bool) {
    let results = await embeddings(for: [key]) { _ in
      do { return [.success(try await compute())] } catch { return [.failure(error)] }
    }
    return try results[0].get()
  }

  /// The embeddings for `keys`, in order, each as `embedding(for:compute:)` would give it, except that the
  /// keys missing from the cache and not being computed are computed together by one call of `compute`,
  /// given their indices in `keys` (each distinct key once) and answering one result per index, in order —
  /// so that the model can embed them in one pass. While that call runs, each of its keys is in flight on
  /// its own: a concurrent lookup of one of them waits for it, and a key repeated in `keys` is computed
  /// once (its repeats are `cached`, as a concurrent lookup's would be). A failed result is not stored.
  public func embeddings(
    for keys: [CacheKey], compute: @escaping @Sendable ([Int]) async -> [Result<[Float], Error>]
  ) async -> [Result<(vector: [Float], cached: Bool), Error>] {
    enum Plan { case found([Float]), joined(Task<[Float], Error>), missing(position: Int), repeated(position: Int) }
    enum Lookup { case found([Float]), joined(Task<[Float], Error>), started(Task<[Float], Error>) }
    let lookups: [Lookup] = state.withLock { state in
      var missing: [Int] = []
      var positions: [CacheKey: Int] = [:]
      let plans: [Plan] = keys.enumerated().map { index, key in
        if let vector = state.entries.value(for: key) {
          state.statistics[key.kind].hits += 1
          return .found(vector)
        }
        if let task = state.inFlight[key] {
          state.statistics[key.kind].hits += 1
          return .joined(task)
        }
        if let position = positions[key] {
          state.statistics[key.kind].hits += 1
          return .repeated(position: position)
        }
        state.statistics[key.kind].misses += 1
        positions[key] = missing.count
        missing.append(index)
        return .missing(position: missing.count - 1)
      }
      var tasks: [Task<[Float], Error>] = []
      if !missing.isEmpty {
        let computation = Task { [missing] in
          let results = await compute(missing)
          precondition(
            results.count == missing.count, "compute gave \(results.count) results for \(missing.count) keys")
          return results
        }
        let generation = state.generation
        tasks = missing.enumerated().map { position, index in
          let key = keys[index]
          let task = Task<[Float], Error> {
            let result = await computation.value[position]
            self.finish(key, with: try? result.get(), generation: generation)
            return try result.get()
          }
          state.inFlight[key] = task
          return task
        }
      }
      return plans.map { plan in
        switch plan {
        case let .found(vector): return .found(vector)
        case let .joined(task): return .joined(task)
        case let .missing(position): return .started(tasks[position])
        case let .repeated(position): return .joined(tasks[position])
        }
      }
    }
    var results: [Result<(vector: [Float], cached: Bool), Error>] = []
    for lookup in lookups {
      switch lookup {
      case let .found(vector): results.append(.success((vector, true)))
      case let .joined(task): results.append(await task.result.map { ($0, true) })
      case let .started(task): results.append(await task.result.map { ($0, false) })
      }
    }
    return results
  }

  private func finish(_ key: CacheKey, with vector: [Float]?, generation: Int) {
    state.withLock { state in
      guard state.generation == generation else { return }
      state.inFlight[key] = nil
      guard let vector else { return }
      let cost = key.cost(dimension: vector.count)
      let evicted = state.entries.insert(vector, for: key, cost: cost)
      for entry in evicted {
        state.statistics[entry.key.kind].evictions += 1
        state.statistics[entry.key.kind].entries -= 1
        state.statistics[entry.key.kind].bytes -= entry.cost
      }
      if cost <= state.entries.capacity {
        state.statistics[key.kind].entries += 1
        state.statistics[key.kind].bytes += cost
      }
    }
  }

  /// The counters now.
  public func statistics() -> CacheStatistics { state.withLock { $0.statistics } }

  /// Empties the cache; counters of hits, misses and evictions are kept, entries and bytes go to 0.
  /// Computations already running still answer their waiters but are not stored.
  public func clear() {
    state.withLock { state in
      state.entries.removeAll()
      state.inFlight = [:]
      state.generation += 1
      for kind in CacheKey.Kind.allCases {
        state.statistics[kind].entries = 0
        state.statistics[kind].bytes = 0
      }
    }
  }

  /// The keys held, most recently used first.
  public func keysByRecency() -> [CacheKey] { state.withLock { $0.entries.keysByRecency } }
}
