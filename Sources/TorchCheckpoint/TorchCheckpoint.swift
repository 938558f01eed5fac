import Foundation
import SafeTensors

/// The pickled weights of a checkpoint directory as Hugging Face lays them out: `pytorch_model.bin`, or
/// `pytorch_model.bin.index.json` naming the shard (`pytorch_model-00001-of-00002.bin`, ...) that holds each tensor.
///
/// The counterpart of `SafeTensorsCheckpoint`, with the same rules: the single file wins over an index; the tensors
/// of all shards form one namespace, and a name in two shards, or an index entry its shard does not hold, is an error.
/// The index has the safetensors index's format and is read by the same `ShardIndex`.
public struct TorchCheckpoint: Sendable {
  /// The single-file name.
  public static let singleFileName = "pytorch_model.bin"
  /// The index name of a sharded checkpoint.
  public static let indexFileName = "pytorch_model.bin.index.json"

  /// Every tensor.
  public let tensors: [String: TorchTensorInfo]
  /// The shards (one for an unsharded checkpoint), by file name.
  private let files: [String: TorchCheckpointFile]
  /// Which file holds each tensor.
  private let location: [String: String]

  /// Whether `directory` has pickled weights (either file), which `init(directory:)` would read.
  public static func exists(in directory: URL) -> Bool {
    [singleFileName, indexFileName].contains {
      FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path)
    }
  }

  /// Opens the pickled weights of the checkpoint in `directory`.
  /// - Throws: `TorchCheckpointError.unreadable` when neither file exists, `.invalidIndex` / `.tensorNotInShard`
  ///   for a bad index, and any error of `TorchCheckpointFile` for a bad file.
  public init(directory: URL) throws {
    let single = directory.appendingPathComponent(Self.singleFileName)
    let index = directory.appendingPathComponent(Self.indexFileName)
    let manager = FileManager.default
    if manager.fileExists(atPath: single.path) {
      let file = try TorchCheckpointFile(contentsOf: single)
      files = [Self.singleFileName: file]
      tensors = file.tensors
      location = file.tensors.mapValues { _ in Self.singleFileName }
      return
    }
    guard manager.fileExists(atPath: index.path) else {
      throw TorchCheckpointError.unreadable(
        path: directory.path, reason: "no \(Self.singleFileName) or \(Self.indexFileName)")
    }
    let weightMap: [String: String]
    do {
      weightMap = try ShardIndex(contentsOf: index).weightMap
    } catch SafeTensorsError.invalidIndex(let reason) {
      throw TorchCheckpointError.invalidIndex(reason: reason)
    } catch SafeTensorsError.unreadable(let path, let reason) {
      throw TorchCheckpointError.unreadable(path: path, reason: reason)
    }
    var files: [String: TorchCheckpointFile] = [:]
    var tensors: [String: TorchTensorInfo] = [:]
    var location: [String: String] = [:]
    for shard in Set(weightMap.values).sorted() {
      let file = try TorchCheckpointFile(contentsOf: directory.appendingPathComponent(shard))
      for (name, info) in file.tensors {
        if let other = location[name] {
          throw TorchCheckpointError.invalidIndex(reason: "\(name) is stored in both \(other) and \(shard)")
        }
        tensors[name] = info
        location[name] = shard
      }
      files[shard] = file
    }
    for (name, shard) in weightMap.sorted(by: { $0.key < $1.key }) where location[name] != shard {
      throw TorchCheckpointError.tensorNotInShard(tensor: name, shard: shard)
    }
    self.files = files
    self.tensors = tensors
    self.location = location
  }

  /// The tensor `name` as `Float`; see `TorchCheckpointFile.floats(_:)`.
  public func floats(_ name: String) throws -> [Float] {
    guard let shard = location[name], let file = files[shard] else { throw TorchCheckpointError.missingTensor(name) }
    return try file.floats(name)
  }

  /// The bytes of tensor `name`, lent to `body`; see `TorchCheckpointFile.withStoredBytes(_:_:)`.
  public func withStoredBytes<R>(_ name: String, _ body: (Data) throws -> R) throws -> R {
    guard let shard = location[name], let file = files[shard] else { throw TorchCheckpointError.missingTensor(name) }
    return try file.withStoredBytes(name, body)
  }
}
