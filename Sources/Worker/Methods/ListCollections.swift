import Foundation
import JSONRPC

/// `collections`: every collection, by name: `[{name, entries, model, updated}]` (`updated` in ISO 8601, UTC).
/// A collection file that cannot be read is listed with `entries: null` and its `error`.
struct ListCollections: Method {
  static let name = "collections"
  typealias Params = NoParams

  static func run(_ params: NoParams, in context: WorkerContext) async throws -> JSONValue {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return .array(context.collections.names().map { name in
      do {
        guard let collection = try context.collections.collection(name) else {
          return ["name": .string(name), "entries": .null, "error": "removed while listing"]
        }
        return [
          "name": .string(name), "entries": JSONValue(collection.entries.count), "model": .string(collection.model),
          "updated": .string(formatter.string(from: Date(timeIntervalSince1970: collection.updated))),
        ]
      } catch {
        let why = (error as? CollectionError)?.description ?? "\(error)"
        return ["name": .string(name), "entries": .null, "error": .string(why)]
      }
    })
  }
}
