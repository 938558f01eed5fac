import Foundation
import SafeTensors
import TorchCheckpoint

/// The weights of a checkpoint directory in whichever format it ships them: safetensors when present, else
/// PyTorch's pickled `pytorch_model.bin` (single or sharded), read without running any of the pickle's code.
///
/// The choice follows `transformers`' `from_pretrained`: `model.safetensors` (or its index) wins when it exists,
/// whatever else the directory holds. Both formats are memory-mapped and lend contiguous tensors without copying.
public enum CheckpointWeights: Sendable {
  case safetensors(SafeTensorsCheckpoint)
  case pickled(TorchCheckpoint)

  /// Opens the weights of `directory`.
  /// - Throws: `SafeTensorsError` for safetensors weights (and when there are no weights at all), or
  ///   `TorchCheckpointError` for pickled ones.
  public init(directory: URL) throws {
    let hasSafetensors = [SafeTensorsCheckpoint.singleFileName, SafeTensorsCheckpoint.indexFileName].contains {
      FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path)
    }
    if !hasSafetensors && TorchCheckpoint.exists(in: directory) {
      self = .pickled(try TorchCheckpoint(directory: directory))
    } else {
      self = .safetensors(try SafeTensorsCheckpoint(directory: directory))
    }
  }

  /// The stored type and shape of tensor `name`, nil when the checkpoint lacks it.
  public func tensor(_ name: String) -> (dtype: DType, shape: [Int])? {
    switch self {
    case .safetensors(let checkpoint): checkpoint.tensors[name].map { ($0.dtype, $0.shape) }
    case .pickled(let checkpoint): checkpoint.tensors[name].map { ($0.dtype, $0.shape) }
    }
  }

  /// Every tensor's name.
  public var tensorNames: [String] {
    switch self {
    case .safetensors(let checkpoint): Array(checkpoint.tensors.keys)
    case .pickled(let checkpoint): Array(checkpoint.tensors.keys)
    }
  }

  /// The tensor `name` as `Float` (F16 and BF16 widened exactly), row-major.
  public func floats(_ name: String) throws -> [Float] {
    switch self {
    case .safetensors(let checkpoint): try checkpoint.floats(name)
    case .pickled(let checkpoint): try checkpoint.floats(name)
    }
  }

  /// The little-endian, row-major bytes of tensor `name`, lent to `body` (a slice of the mapping when the tensor is
  /// stored contiguously).
  /// Elements `elements` of tensor `name` (flattened) as F32, for reading a large table a chunk at a time. A pickled
  /// tensor is widened whole and sliced (pickles are read only when a checkpoint has no safetensors).
  public func floats(_ name: String, elements: Range<Int>) throws -> [Float] {
    switch self {
    case .safetensors(let checkpoint): return try checkpoint.floats(name, elements: elements)
    case .pickled(let checkpoint):
      let all = try checkpoint.floats(name)
      guard elements.lowerBound >= 0, elements.upperBound <= all.count else { throw CheckpointError.missingTensor(name) }
      return Array(all[elements])
    }
  }

  public func withStoredBytes<R>(_ name: String, _ body: (Data) throws -> R) throws -> R {
    switch self {
    case .safetensors(let checkpoint): try checkpoint.withStoredBytes(name, body)
    case .pickled(let checkpoint): try checkpoint.withStoredBytes(name, body)
    }
  }
}
