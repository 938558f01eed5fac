import Foundation

/// The files of a checkpoint the worker reads, and the check that a directory has all of them.
///
/// Required: `config.json`, `preprocessor_config.json`, a tokenizer (`tokenizer.json`, or `vocab.json` with
/// `merges.txt`), and safetensors weights (`model.safetensors`, or `model.safetensors.index.json` with every
/// shard it names). Optional: `tokenizer_config.json`, `special_tokens_map.json`.
public enum CheckpointFiles {
  static let config = "config.json"
  static let preprocessorConfig = "preprocessor_config.json"
  static let tokenizerFiles = ["vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json",
                               "special_tokens_map.json"]
  static let weights = "model.safetensors"
  static let shardIndex = "model.safetensors.index.json"
  static let pickledWeights = "pytorch_model.bin"

  static let tokenizerRequirement = "tokenizer.json (or vocab.json and merges.txt)"
  static let weightsRequirement = "model.safetensors (or model.safetensors.index.json and its shards)"

  /// Checks that `directory` holds a complete checkpoint.
  /// - Throws: `HubError.noSafetensors` when the only weights are `pytorch_model.bin`, `HubError.missingFiles`
  ///   naming what lacks, `HubError.badShardIndex` when the shard index cannot be read.
  public static func validate(directory: URL) throws {
    let missing = try missingFiles(in: directory)
    guard missing.isEmpty else {
      if missing.contains(weightsRequirement), exists(pickledWeights, in: directory) {
        throw HubError.noSafetensors(location: directory.path)
      }
      throw HubError.missingFiles(location: directory.path, files: missing)
    }
  }

  /// What `directory` lacks, as requirement names (empty when complete). Shards named by an index but absent
  /// are listed by file name.
  static func missingFiles(in directory: URL) throws -> [String] {
    var missing = [config, preprocessorConfig].filter { !exists($0, in: directory) }
    let hasTokenizer = exists("tokenizer.json", in: directory)
      || (exists("vocab.json", in: directory) && exists("merges.txt", in: directory))
    if !hasTokenizer { missing.append(tokenizerRequirement) }
    if exists(weights, in: directory) { return missing }
    if exists(shardIndex, in: directory) {
      let shards = try shardNames(indexAt: directory.appendingPathComponent(shardIndex), location: directory.path)
      missing += shards.filter { !exists($0, in: directory) }
    } else {
      missing.append(weightsRequirement)
    }
    return missing
  }

  /// The shard files a `model.safetensors.index.json` names in its `weight_map`, sorted, each once.
  /// Names that would leave the checkpoint directory (absolute, or with `..`) are refused.
  static func shardNames(indexAt url: URL, location: String) throws -> [String] {
    let data: Data
    do { data = try Data(contentsOf: url) } catch {
      throw HubError.badShardIndex(location: location, reason: error.localizedDescription)
    }
    guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
          let map = root["weight_map"] as? [String: Any] else {
      throw HubError.badShardIndex(location: location, reason: "no weight_map object")
    }
    var shards = Set<String>()
    for (tensor, value) in map {
      guard let shard = value as? String, !shard.isEmpty, !shard.hasPrefix("/"),
            !shard.split(separator: "/").contains("..") else {
        throw HubError.badShardIndex(location: location, reason: "tensor \(tensor) maps to an invalid file name")
      }
      shards.insert(shard)
    }
    guard !shards.isEmpty else { throw HubError.badShardIndex(location: location, reason: "weight_map is empty") }
    return shards.sorted()
  }

  static func exists(_ file: String, in directory: URL) -> Bool {
    FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path)
  }
}
