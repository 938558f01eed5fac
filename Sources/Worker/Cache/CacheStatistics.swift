import JSONRPC

/// A snapshot of the embedding cache's counters, overall and per kind of input.
public struct CacheStatistics: Equatable, Sendable {
  /// Counters for one kind of input (or all of them).
  public struct Counters: Equatable, Sendable {
    /// Entries held now.
    public var entries = 0
    /// Bytes charged for the entries held now (see `CacheKey.cost`).
    public var bytes = 0
    /// Lookups answered without computing: found in the cache, or joined a computation already running.
    public var hits = 0
    /// Lookups that started a computation.
    public var misses = 0
    /// Entries dropped to respect the bound.
    public var evictions = 0

    public init() {}

    /// `hits / (hits + misses)`, 0 before any lookup.
    public var hitRate: Double { hits + misses == 0 ? 0 : Double(hits) / Double(hits + misses) }

    static func + (lhs: Counters, rhs: Counters) -> Counters {
      var sum = Counters()
      sum.entries = lhs.entries + rhs.entries
      sum.bytes = lhs.bytes + rhs.bytes
      sum.hits = lhs.hits + rhs.hits
      sum.misses = lhs.misses + rhs.misses
      sum.evictions = lhs.evictions + rhs.evictions
      return sum
    }

    var jsonMembers: [(String, JSONValue)] {
      [
        ("entries", JSONValue(entries)), ("bytes", JSONValue(bytes)), ("hits", JSONValue(hits)),
        ("misses", JSONValue(misses)), ("evictions", JSONValue(evictions)), ("hitRate", JSONValue(hitRate)),
      ]
    }
  }

  /// The bound on `bytes`.
  public var capacityBytes: Int
  public var image = Counters()
  public var text = Counters()

  public init(capacityBytes: Int) { self.capacityBytes = capacityBytes }

  /// Both kinds together.
  public var total: Counters { image + text }

  subscript(kind: CacheKey.Kind) -> Counters {
    get { kind == .image ? image : text }
    set { if kind == .image { image = newValue } else { text = newValue } }
  }

  /// The `cacheStats` result: the totals, `capacityBytes`, then `image` and `text` objects.
  public var json: JSONValue {
    var members = total.jsonMembers
    members.insert(("capacityBytes", JSONValue(capacityBytes)), at: 2)
    members.append(("image", .object(JSONObject(image.jsonMembers))))
    members.append(("text", .object(JSONObject(text.jsonMembers))))
    return .object(JSONObject(members))
  }
}
