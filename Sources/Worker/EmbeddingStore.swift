/// The embedding cache: an LRU map bounded in bytes, with single flight — while an embedding is being
/// computed, every other lookup of the same key waits for that computation instead of starting its own.
/// Embeddings are stored as the model returns them (not normalized).
public final class EmbeddingStore: Sendable {
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
    precondition(capacityBytes >= 0, "EmbeddingStore: negative capacity")
    state = Locked(
      State(entries: LRUCache(capacity: capacityBytes), statistics: CacheStatistics(capacityBytes: capacityBytes)))
  }

  /// The embedding for `key`: from the cache, from a computation of it already running, or computed now
  /// by `compute` (and then stored). `cached` is false only when this call ran `compute`. A failed
  /// computation is not stored: every waiter gets its error and the next lookup tries again.
  public func embedding(
    for key: CacheKey, compute: @escaping @Sendable () async throws -> [Float]
  ) async throws -> (vector: [Float], cached: Bool) {
    enum Lookup { case found([Float]), joined(Task<[Float], Error>), started(Task<[Float], Error>) }
    let lookup: Lookup = state.withLock { state in
      if let vector = state.entries.value(for: key) {
        state.statistics[key.kind].hits += 1
        return .found(vector)
      }
      if let task = state.inFlight[key] {
        state.statistics[key.kind].hits += 1
        return .joined(task)
      }
      state.statistics[key.kind].misses += 1
      let generation = state.generation
      let task = Task<[Float], Error> {
        do {
          let vector = try await compute()
          self.finish(key, with: vector, generation: generation)
          return vector
        } catch {
          self.finish(key, with: nil, generation: generation)
          throw error
        }
      }
      state.inFlight[key] = task
      return .started(task)
    }
    switch lookup {
    case let .found(vector): return (vector, true)
    case let .joined(task): return (try await task.value, true)
    case let .started(task): return (try await task.value, false)
    }
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
