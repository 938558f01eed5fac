import Foundation
import Kernels
import SafeTensors
import TorchCheckpoint

/// Binds checkpoint tensors to the layers that use them, strictly.
///
/// Each layer takes its tensors by checkpoint name and expected shape; a missing or wrongly shaped tensor
/// fails at once, and `finish()` fails on any tensor nobody took — except those the family says `transformers`
/// drops when loading.
public struct WeightStore {
  /// Tensors `transformers` ignores when present: non-persistent buffers of the current model.
  private let ignored: Set<String>

  private let checkpoint: CheckpointWeights
  /// Where every linear layer's panels go: side by side, on huge pages throughout.
  private let arena = WeightArena()
  private var taken: Set<String> = []
  /// The storage types of the tensors taken, for `CLIPModelInfo.dtype`.
  public private(set) var dtypes: Set<DType> = []

  /// - Parameter ignored: tensors the family's `transformers` model drops when present (non-persistent buffers
  ///   that old checkpoints saved, such as CLIP's `position_ids`).
  /// - Parameter precision: how the linear weights are held; at `.int8` only the encoder layers' (`LinearRole`),
  ///   every other linear layer (patch embedding, projections and heads) staying at the checkpoint's precision,
  ///   widened to F32. The token embedding table follows it (see `table(_:rows:width:)`).
  public init(_ checkpoint: CheckpointWeights, ignoring ignored: Set<String> = [],
              precision: LinearPrecision = .float32) {
    self.checkpoint = checkpoint
    self.ignored = ignored
    self.precision = precision
  }

  /// The store of a safetensors checkpoint; see `init(_:ignoring:precision:)`.
  public init(_ checkpoint: SafeTensorsCheckpoint, ignoring ignored: Set<String> = [],
              precision: LinearPrecision = .float32) {
    self.init(.safetensors(checkpoint), ignoring: ignored, precision: precision)
  }

  /// The precision of the encoder layers' linear weights (and at `.bfloat16` of every linear layer's).
  public let precision: LinearPrecision

  /// Which linear layers take the store's `precision`.
  public enum LinearRole: Sendable {
    /// The encoder layers' q/k/v, output and MLP projections, which hold nearly all the multiply-adds.
    case encoder
    /// Patch embeddings, projections and heads: few multiply-adds, and where quantization costs the most fidelity
    /// (measured: int8 there lowers the worst cosine against F32 without gaining time), so at `.int8` they stay F32.
    /// At `.bfloat16` they are bfloat16 too: 6 MB of a ViT-B/32, about 16 MB of a SigLIP base/16 (its attention-pooling
    /// head); a ViT-B/32's lowest cosine against F32 stayed 0.99999.
    case edge
  }

  /// How the linear layers of `role` are held: the store's precision, except F32 for `.edge` layers at `.int8`.
  private func precision(for role: LinearRole) -> LinearPrecision {
    role == .edge && precision == .int8 ? .float32 : precision
  }

  /// The tensor `name`, which must have `shape`, as `Float`.
  public mutating func tensor(_ name: String, shape: [Int]) throws -> [Float] {
    try take(name, shape: shape)
    return try checkpoint.floats(name)
  }

  /// The lookup table `name` (`[rows, width]`), kept as halves when the checkpoint stores F16 or BF16.
  ///
  /// At the store's faster precisions the table is reduced as the encoder weights are (the token embeddings are
  /// ViT-B/32's largest tensor, a sixth of its F32 weights): at `.int8` to int8 rows with a scale each, at
  /// `.bfloat16` to bfloat16 (a BF16 checkpoint's halves as they are). At `.float32` it is what it always was.
  /// At those precisions the columns `exact` (ascending: the channels the encoder's layer norms amplify, see
  /// `Encoder.outlierChannels`) are kept as floats beside the reduced rows.
  public mutating func table(_ name: String, rows: Int, width: Int, exact: [Int] = []) throws -> EmbeddingTable {
    let format = Self.halfFormat(try take(name, shape: [rows, width]))
    if let format, precision == .float32 || (precision == .bfloat16 && format == .bfloat16) {
      return EmbeddingTable(rows: rows, width: width, storage: .halves(try checkpoint.withStoredBytes(name, halfBits), format))
    }
    guard precision != .float32 else {
      return EmbeddingTable(rows: rows, width: width, storage: .float32(try checkpoint.floats(name)))
    }
    // A chunk of rows at a time, their pages handed back as read: no F32 copy of the whole table at load.
    return try EmbeddingTable(reducing: { [checkpoint] in try checkpoint.floats(name, elements: $0.lowerBound * width ..< $0.upperBound * width) },
                              rows: rows, width: width, precision: precision, exact: exact)
  }

  /// The 16-bit float format of `dtype`, nil for every other type.
  private static func halfFormat(_ dtype: DType) -> HalfFormat? {
    switch dtype {
    case .f16: .binary16
    case .bf16: .bfloat16
    default: nil
    }
  }

  /// The linear layer `prefix.weight` (`[out, in]`, or `weightShape` when the checkpoint stores it otherwise,
  /// as a convolution's `[out, channels, height, width]`) and, when `bias`, `prefix.bias`.
  public mutating func linear(_ prefix: String, out: Int, in inFeatures: Int, bias: Bool = true,
                              weightShape: [Int]? = nil, role: LinearRole = .edge) throws -> LinearWeights {
    try fusedLinear([prefix], out: out, in: inFeatures, bias: bias, weightShape: weightShape, role: role)
  }

  /// One linear layer computing the layers `prefixes` (each `[out, in]`, reading the same input) side by side:
  /// their weights and biases stacked in order.
  ///
  /// F32 weights are packed straight from the checkpoint's bytes, and F16 or BF16 weights too, kept as halves
  /// (half the memory; widened a block at a time by the multiply, exactly); mixed types are widened first.
  public mutating func fusedLinear(_ prefixes: [String], out: Int, in inFeatures: Int, bias: Bool = true,
                                   weightShape: [Int]? = nil, role: LinearRole = .edge) throws -> LinearWeights {
    try linear(weights: prefixes.map { $0 + ".weight" }, biases: bias ? prefixes.map { $0 + ".bias" } : nil,
               out: out, in: inFeatures, weightShape: weightShape, role: role)
  }

  /// `fusedLinear` for a layer that reads a layer norm's output: at `.int8` and `.bfloat16`, the norm's
  /// `outlierChannels` are split off and multiplied in F32 (`SplitLinearWeights`; at bf16 their weights' rounding,
  /// times those channels' magnitude, cost the most); at `.float32`, and for a norm without outliers, the plain
  /// layer.
  public mutating func fusedLinear(_ prefixes: [String], out: Int, in inFeatures: Int, role: LinearRole = .edge,
                                   reading norm: LayerNorm) throws -> SplitLinearWeights {
    let channels = norm.outlierChannels
    let precision = precision(for: role)
    guard precision != .float32, !channels.isEmpty else {
      return SplitLinearWeights(try fusedLinear(prefixes, out: out, in: inFeatures, role: role))
    }
    var weight: [Float] = [], bias: [Float] = []
    weight.reserveCapacity(prefixes.count * out * inFeatures)
    for prefix in prefixes {
      try take(prefix + ".weight", shape: [out, inFeatures])
      weight += try checkpoint.floats(prefix + ".weight")
      bias += try tensor(prefix + ".bias", shape: [out])
    }
    return SplitLinearWeights(quantizing: weight, bias: bias, outFeatures: prefixes.count * out, inFeatures: inFeatures,
                              splitting: channels, precision: precision, arena: arena)
  }

  /// The linear layer of the tensors named `weight` (`[out, in]`) and `bias` (`[out]`), for checkpoints that do
  /// not name them `.weight` and `.bias` (`nn.MultiheadAttention`'s `in_proj_weight`, say).
  public mutating func linear(weight: String, bias: String?, out: Int, in inFeatures: Int) throws -> LinearWeights {
    try linear(weights: [weight], biases: bias.map { [$0] }, out: out, in: inFeatures, weightShape: nil, role: .edge)
  }

  /// The weights `weights` (each `weightShape` or `[out, in]`) stacked, with the biases `biases` (each `[out]`).
  private mutating func linear(weights names: [String], biases: [String]?, out: Int, in inFeatures: Int,
                               weightShape: [Int]?, role: LinearRole) throws -> LinearWeights {
    let precision = precision(for: role)
    var types: Set<DType> = []
    for name in names { types.insert(try take(name, shape: weightShape ?? [out, inFeatures])) }
    var biasValues: [Float]?
    if let biases {
      biasValues = []
      for name in biases { biasValues! += try tensor(name, shape: [out]) }
    }
    if types == [.f32] {
      return try withStoredBytes(names[...], []) { blocks in
        LinearWeights(float32Blocks: blocks, bias: biasValues, inFeatures: inFeatures, precision: precision, arena: arena)
      }
    }
    if types.count == 1, let format = Self.halfFormat(types.first!) {
      return try withStoredBytes(names[...], []) { blocks in
        LinearWeights(halfBlocks: blocks, format: format, bias: biasValues, inFeatures: inFeatures, precision: precision,
                      arena: arena)
      }
    }
    var weight: [Float] = []
    weight.reserveCapacity(names.count * out * inFeatures)
    for name in names { weight += try checkpoint.floats(name) }
    return LinearWeights(quantizing: weight, bias: biasValues, outFeatures: names.count * out, inFeatures: inFeatures,
                         precision: precision, arena: arena)
  }

  /// Checks that `name` exists with `shape` and marks it used; returns its storage type.
  @discardableResult
  private mutating func take(_ name: String, shape: [Int]) throws -> DType {
    guard let info = checkpoint.tensor(name) else { throw CheckpointError.missingTensor(name) }
    guard info.shape == shape else {
      throw CheckpointError.shapeMismatch(tensor: name, expected: shape, found: info.shape)
    }
    taken.insert(name)
    dtypes.insert(info.dtype)
    return info.dtype
  }

  /// Runs `body` with the stored bytes of every tensor in `rest` appended to `blocks`, all lent at once.
  private func withStoredBytes<R>(_ rest: ArraySlice<String>, _ blocks: [Data],
                                  _ body: ([Data]) throws -> R) throws -> R {
    guard let name = rest.first else { return try body(blocks) }
    return try checkpoint.withStoredBytes(name) { try withStoredBytes(rest.dropFirst(), blocks + [$0], body) }
  }

  /// Fails on the first tensor (in name order) that no layer took.
  public func finish() throws {
    for name in checkpoint.tensorNames.sorted() where !taken.contains(name) && !ignored.contains(name) {
      throw CheckpointError.unexpectedTensor(name)
    }
  }
}
