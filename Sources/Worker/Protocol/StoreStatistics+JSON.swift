import JSONRPC
import PersistentStore

extension PersistentStore.Statistics {
  /// `cacheStats`' `store` member (protocol/README.md, "Persistent store"). Counters count since this process opened
  /// the store; `entries` and `bytes` are what it holds now, as far as this process knows.
  func json(directory: String) -> JSONValue {
    [
      "directory": .string(directory),
      "entries": JSONValue(entries), "bytes": JSONValue(bytes), "capacityBytes": JSONValue(capacityBytes),
      "diskBytes": JSONValue(diskBytes), "hits": JSONValue(hits), "misses": JSONValue(misses),
      "evictions": JSONValue(evictions), "segments": JSONValue(segments), "compactions": JSONValue(compactions),
      "errors": JSONValue(errors), "damagedRecords": JSONValue(damagedRecords), "tornTails": JSONValue(tornTails),
      "writable": .bool(writable),
    ]
  }
}
