import Foundation
import SafeTensors
import TorchCheckpoint

/// The files of a checkpoint the worker reads, and the check that a directory has all of them.
///
/// Every family reads `config.json` and weights: safetensors (`model.safetensors`, or `model.safetensors.index.json`
/// with every shard it names) when present, else pickled ones (`pytorch_model.bin`, or `pytorch_model.bin.index.json`
/// with its shards), as `transformers` prefers them; the rest is the family's `CheckpointFileSet`.
public enum CheckpointFiles {
  static let config = "config.json"
  static let weights = SafeTensorsCheckpoint.singleFileName
  static let shardIndex = SafeTensorsCheckpoint.indexFileName
  static let pickledWeights = TorchCheckpoint.singleFileName
  static let pickledShardIndex = TorchCheckpoint.indexFileName

  static let weightsRequirement = "model.safetensors (or model.safetensors.index.json and its shards, "
    + "or pytorch_model.bin, or pytorch_model.bin.index.json and its shards)"

  /// Checks that `directory` holds a complete checkpoint of the family `files` chooses from its config.
  /// - Throws: `HubError.missingFiles` naming what lacks, `HubError.badShardIndex` when the shard index cannot be
  ///   read; what `files` throws.
  public static func validate(directory: URL, files: CheckpointFileChooser) throws {
    let missing = try missingFiles(in: directory, files: files)
    guard missing.isEmpty else { throw HubError.missingFiles(location: directory.path, files: missing) }
  }

  /// What `directory` lacks, as requirement names (empty when complete). Shards named by an index but absent
  /// are listed by file name.
  static func missingFiles(in directory: URL, files: CheckpointFileChooser) throws -> [String] {
    let config = try? Data(contentsOf: directory.appendingPathComponent(Self.config))
    var missing = config == nil ? [Self.config] : []
    let set = try files(config.map { [UInt8]($0) })
    missing += set.required.filter { !$0.isMet { exists($0, in: directory) } }.map(\.name)
    if exists(weights, in: directory) { return missing }
    // The first of the index, the pickled file and the pickled index present decides, as in the loaders.
    if let index = [shardIndex, pickledWeights, pickledShardIndex].first(where: { exists($0, in: directory) }) {
      guard index != pickledWeights else { return missing }
      let shards = try shardNames(indexAt: directory.appendingPathComponent(index), location: directory.path)
      missing += shards.filter { !exists($0, in: directory) }
    } else {
      missing.append(weightsRequirement)
    }
    return missing
  }

  /// The shard files a `model.safetensors.index.json` (or `pytorch_model.bin.index.json`, the same format) names, by
  /// the loader's own rules (`ShardIndex`), so the Hub never fetches a checkpoint the loader would refuse.
  static func shardNames(indexAt url: URL, location: String) throws -> [String] {
    do {
      return try ShardIndex(contentsOf: url).shards
    } catch SafeTensorsError.invalidIndex(let reason), SafeTensorsError.unreadable(_, let reason) {
      throw HubError.badShardIndex(location: location, reason: reason, index: url.lastPathComponent)
    }
  }

  static func exists(_ file: String, in directory: URL) -> Bool {
    FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path)
  }
}
