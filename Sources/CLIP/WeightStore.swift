import Kernels
import SafeTensors

/// Binds checkpoint tensors to the layers that use them, strictly.
///
/// Each layer takes its tensors by checkpoint name and expected shape; a missing or wrongly shaped tensor
/// fails at once, and `finish()` fails on any tensor nobody took — except the `position_ids` buffers, which
/// old Hub checkpoints saved and `transformers` drops when loading.
struct WeightStore {
  /// Tensors `transformers` ignores when present: non-persistent buffers of the current model.
  static let ignored: Set<String> = ["text_model.embeddings.position_ids", "vision_model.embeddings.position_ids"]

  private let checkpoint: SafeTensorsCheckpoint
  private var taken: Set<String> = []
  /// The storage types of the tensors taken, for `CLIPModelInfo.dtype`.
  private(set) var dtypes: Set<DType> = []

  init(_ checkpoint: SafeTensorsCheckpoint) {
    self.checkpoint = checkpoint
  }

  /// The tensor `name`, which must have `shape`, as `Float`.
  mutating func tensor(_ name: String, shape: [Int]) throws -> [Float] {
    guard let info = checkpoint.tensors[name] else { throw CheckpointError.missingTensor(name) }
    guard info.shape == shape else {
      throw CheckpointError.shapeMismatch(tensor: name, expected: shape, found: info.shape)
    }
    taken.insert(name)
    dtypes.insert(info.dtype)
    return try checkpoint.floats(name)
  }

  /// The linear layer `prefix.weight` (`[out, in]`) and, when `bias`, `prefix.bias`.
  mutating func linear(_ prefix: String, out: Int, in inFeatures: Int, bias: Bool = true) throws -> LinearWeights {
    let weight = try tensor(prefix + ".weight", shape: [out, inFeatures])
    let bias = bias ? try tensor(prefix + ".bias", shape: [out]) : nil
    return LinearWeights(weight: weight, bias: bias, outFeatures: out, inFeatures: inFeatures)
  }

  /// Fails on the first tensor (in name order) that no layer took.
  func finish() throws {
    for name in checkpoint.tensors.keys.sorted() where !taken.contains(name) && !Self.ignored.contains(name) {
      throw CheckpointError.unexpectedTensor(name)
    }
  }
}
