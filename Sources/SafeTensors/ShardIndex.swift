import Foundation

/// A `model.safetensors.index.json`: which shard file holds each tensor (`weight_map`).
///
/// The one reader of the index, for the loader and for the Hub's downloads alike, so the Hub never fetches a
/// checkpoint the loader then refuses. Shard names must be plain file names in the checkpoint directory: not empty,
/// no `/`, not starting with `.` (which also refuses `..`), as every sharded checkpoint on the Hub has them.
public struct ShardIndex: Sendable, Equatable {
  /// The shard of each tensor.
  public let weightMap: [String: String]

  /// The shard files, sorted, each once.
  public var shards: [String] { Set(weightMap.values).sorted() }

  /// Reads and checks the index at `url`.
  /// - Throws: `SafeTensorsError.unreadable`, or `.invalidIndex` naming the tensor whose shard name is refused.
  public init(contentsOf url: URL) throws {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw SafeTensorsError.unreadable(path: url.path, reason: error.localizedDescription)
    }
    try self.init(json: data)
  }

  /// Decodes and checks an index document.
  public init(json: Data) throws {
    let decoded: Document
    do {
      decoded = try JSONDecoder().decode(Document.self, from: json)
    } catch {
      throw SafeTensorsError.invalidIndex(reason: "no weight_map of tensor names to file names")
    }
    guard !decoded.weightMap.isEmpty else { throw SafeTensorsError.invalidIndex(reason: "weight_map is empty") }
    for (tensor, shard) in decoded.weightMap.sorted(by: { $0.key < $1.key })
    where shard.isEmpty || shard.contains("/") || shard.hasPrefix(".") {
      throw SafeTensorsError.invalidIndex(reason: "tensor \(tensor) maps to \"\(shard)\", not a file in the checkpoint directory")
    }
    weightMap = decoded.weightMap
  }

  private struct Document: Decodable {
    let weightMap: [String: String]
    enum CodingKeys: String, CodingKey { case weightMap = "weight_map" }
  }
}
