import Synchronization

/// BPE results of recent words, shared by every copy of a tokenizer and safe to use from several threads.
///
/// Bounded: words longer than `maxWordLength` bytes are not kept, and the cache empties itself when it holds
/// `capacity` words, so memory stays bounded however varied the text.
final class WordCache: Sendable {
  static let maxWordLength = 64

  private let words = Mutex<[[UInt8]: [Int32]]>([:])
  private let capacity: Int

  init(capacity: Int = 20_000) {
    self.capacity = capacity
  }

  func ids(for word: [UInt8]) -> [Int32]? {
    guard word.count <= Self.maxWordLength else { return nil }
    return words.withLock { $0[word] }
  }

  func store(_ ids: [Int32], for word: [UInt8]) {
    guard word.count <= Self.maxWordLength else { return }
    words.withLock { words in
      if words.count >= capacity { words.removeAll(keepingCapacity: true) }
      words[word] = ids
    }
  }
}
