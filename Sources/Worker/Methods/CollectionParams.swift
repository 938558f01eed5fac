import JSONRPC

extension RPCError {
  /// A collection error as the protocol reports it: -32602 when the request is at fault (unknown or badly named
  /// collection, another model's collection, one being indexed), -32603 when the disk is.
  static func collection(_ error: CollectionError) -> RPCError {
    error.isRequestError ? .invalidParams(error.description) : .internalError(error.description)
  }
}

extension ParamsReader {
  /// The collection name in member `name`, checked (`CollectionName`).
  func collectionName(_ name: String) throws(RPCError) -> String {
    let value: String = try required(name)
    if let why = CollectionName.check(value) { throw .invalidParams("\(name): \(why)") }
    return value
  }

  /// An optional `topK`: at least 1.
  func topK() throws(RPCError) -> Int? {
    let topK: Int? = try optional("topK")
    if let topK, topK < 1 { throw .invalidParams("topK must be at least 1, found \(topK)") }
    return topK
  }
}

extension WorkerContext {
  /// The collection `name` with its search matrix, refusing an unknown one or one made with another model.
  func searchableCollection(
    _ name: String, loaded: LoadedModel
  ) throws(RPCError) -> (EmbeddingCollection, SearchMatrix) {
    let found: (EmbeddingCollection, SearchMatrix)?
    do { found = try collections.searchMatrix(name) } catch { throw .collection(error) }
    guard let found else { throw .collection(.unknown(name)) }
    try checkModel(of: found.0, named: name, loaded: loaded)
    return found
  }

  /// Refuses a collection made with another model than `loaded`.
  func checkModel(of collection: EmbeddingCollection, named name: String, loaded: LoadedModel) throws(RPCError) {
    let identity = storeIdentity(of: loaded)
    guard collection.identity == identity else {
      throw .collection(
        .otherModel(name: name, made: collection.model, madeIdentity: collection.identity, loaded: loaded.info.id,
                    loadedIdentity: identity))
    }
  }
}

/// Scores sorted highest first (ties by position), those below `threshold` dropped, at most `topK`.
///
/// - Complexity: O(n log n) when `topK` is a large part of `n`; else one pass keeping the best `topK` in a sorted
///   buffer, O(n) for scores in random order (most fail the comparison with the worst kept), O(n × topK) at worst.
package func ranked(_ scores: [Float], threshold: Double? = nil, topK: Int?) -> [(index: Int, score: Float)] {
  let limit = min(topK ?? scores.count, scores.count)
  func passes(_ score: Float) -> Bool { threshold.map { Double(score) >= $0 } ?? true }
  guard limit > 0, limit * 8 < scores.count else {
    var order = scores.enumerated().map { (index: $0.offset, score: $0.element) }.filter { passes($0.score) }
    order.sort { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index }
    return Array(order.prefix(limit))
  }
  var best: [(index: Int, score: Float)] = []
  best.reserveCapacity(limit + 1)
  for (index, score) in scores.enumerated() {
    if best.count == limit, !(score > best[limit - 1].score) { continue }
    if !passes(score) { continue }
    // After the kept ones with an equal score: they came first.
    var position = best.count
    while position > 0, best[position - 1].score < score { position -= 1 }
    best.insert((index, score), at: position)
    if best.count > limit { best.removeLast() }
  }
  return best
}
