import Foundation

/// The weights of a checkpoint directory as Hugging Face lays it out: `model.safetensors`, or
/// `model.safetensors.index.json` naming the shard that holds each tensor.
///
/// Like `transformers`, a single `model.safetensors` wins over an index when both exist. The tensors of all
/// shards form one namespace; a name in two shards, or an index entry its shard does not hold, is an error.
public struct SafeTensorsCheckpoint: Sendable {
  /// The single-file name.
  public static let singleFileName = "model.safetensors"
  /// The index name of a sharded checkpoint.
  public static let indexFileName = "model.safetensors.index.json"

  /// Every tensor with the file that holds it.
  public let tensors: [String: TensorInfo]
  /// The shards (one for an unsharded checkpoint), by file name.
  private let files: [String: SafeTensorsFile]
  /// Which file holds each tensor.
  private let location: [String: String]

  /// Opens the weights of the checkpoint in `directory`.
  ///
  /// - Throws: `SafeTensorsError.unreadable` when neither file exists, `.invalidIndex` /
  ///   `.tensorNotInShard` for a bad index, and any error of `SafeTensorsFile` for a bad file.
  public init(directory: URL) throws {
    let single = directory.appendingPathComponent(Self.singleFileName)
    let index = directory.appendingPathComponent(Self.indexFileName)
    let manager = FileManager.default
    if manager.fileExists(atPath: single.path) {
      let file = try SafeTensorsFile(contentsOf: single)
      self.files = [Self.singleFileName: file]
      self.tensors = file.tensors
      self.location = file.tensors.mapValues { _ in Self.singleFileName }
      return
    }
    guard manager.fileExists(atPath: index.path) else {
      throw SafeTensorsError.unreadable(
        path: directory.path, reason: "no \(Self.singleFileName) or \(Self.indexFileName) (only safetensors is read)")
    }
    let weightMap = try ShardIndex(contentsOf: index).weightMap
    var files: [String: SafeTensorsFile] = [:]
    var tensors: [String: TensorInfo] = [:]
    var location: [String: String] = [:]
    for shard in Set(weightMap.values).sorted() {
      let file = try SafeTensorsFile(contentsOf: directory.appendingPathComponent(shard))
      for (name, info) in file.tensors {
        if let other = location[name] {
          throw SafeTensorsError.invalidIndex(reason: "\(name) is stored in both \(other) and \(shard)")
        }
        tensors[name] = info
        location[name] = shard
      }
      files[shard] = file
    }
    for (name, shard) in weightMap where location[name] != shard {
      throw SafeTensorsError.tensorNotInShard(tensor: name, shard: shard)
    }
    self.files = files
    self.tensors = tensors
    self.location = location
  }

  /// The tensor `name` as `Float`; see `SafeTensorsFile.floats(_:)`.
  public func floats(_ name: String) throws -> [Float] {
    guard let shard = location[name], let file = files[shard] else { throw SafeTensorsError.missingTensor(name) }
    return try file.floats(name)
  }

  /// The elements `elements` of tensor `name` as `Float`; see `SafeTensorsFile.floats(_:elements:)`.
  public func floats(_ name: String, elements: Range<Int>) throws -> [Float] {
    guard let shard = location[name], let file = files[shard] else { throw SafeTensorsError.missingTensor(name) }
    return try file.floats(name, elements: elements)
  }

  /// The stored bytes of tensor `name`, lent to `body`; see `SafeTensorsFile.withStoredBytes(_:_:)`.
  public func withStoredBytes<R>(_ name: String, _ body: (Data) throws -> R) throws -> R {
    guard let shard = location[name], let file = files[shard] else { throw SafeTensorsError.missingTensor(name) }
    return try file.withStoredBytes(name, body)
  }
}
