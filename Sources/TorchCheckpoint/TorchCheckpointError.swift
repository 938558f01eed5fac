/// Why a pickled PyTorch checkpoint (`pytorch_model.bin`, a `torch.save` zip archive) was refused.
///
/// Every offset, length and count in the archive and the pickle is checked before it is used, so a truncated,
/// corrupt or hostile file fails with one of these, never with a crash. `file` is the name the error is reported
/// under (the file's name within the checkpoint directory).
public enum TorchCheckpointError: Error, Equatable, Sendable {
  /// The file could not be opened or mapped.
  case unreadable(path: String, reason: String)
  /// The file is PyTorch's pre-1.6 serialization (a bare pickle stream or a tar archive), which is not read.
  case legacyFormat(file: String)
  /// The file is not a zip archive, or its zip structure is malformed (end record, central directory, ZIP64).
  case invalidArchive(file: String, reason: String)
  /// The archive lacks an entry a `torch.save` archive has (`<archive>/data.pkl`, a storage's `data/<key>`).
  case missingEntry(file: String, entry: String)
  /// An entry is compressed with a method other than stored or deflate.
  case unsupportedCompression(file: String, entry: String, method: UInt16)
  /// A deflated entry is not a DEFLATE stream of its declared size.
  case corruptEntry(file: String, entry: String, size: Int)
  /// `<archive>/byteorder` is neither `little` nor `big`.
  case invalidByteOrder(file: String, found: String)
  /// The pickle names a global that is not one of the tensor-rebuilding ones `torch.load(weights_only=True)` allows.
  case refusedGlobal(file: String, global: String)
  /// The pickle is malformed: an unknown opcode, a truncated argument, a stack underflow, a limit exceeded, a value
  /// of the wrong type where a tensor's part is expected.
  case invalidPickle(file: String, offset: Int, reason: String)
  /// The pickle's value is not a dictionary of tensor names to tensors.
  case notAStateDict(file: String, reason: String)
  /// A tensor's shape, strides and offset reach outside its storage, or the storage entry has the wrong size.
  case tensorOutOfBounds(file: String, tensor: String, reason: String)
  /// A sharded checkpoint's `pytorch_model.bin.index.json` is malformed, or a tensor is in two shards.
  case invalidIndex(reason: String)
  /// A shard named by the index does not hold a tensor the index assigns to it.
  case tensorNotInShard(tensor: String, shard: String)
  /// A tensor was asked for that the checkpoint does not hold.
  case missingTensor(String)
  /// A tensor's dtype cannot be read as `Float` (only float32, float16 and bfloat16 can).
  case unsupportedDType(tensor: String, dtype: String)
}

extension TorchCheckpointError: CustomStringConvertible {
  public var description: String {
    switch self {
    case let .unreadable(path, reason): return "cannot read \(path): \(reason)"
    case let .legacyFormat(file):
      return "\(file) is in PyTorch's legacy serialization format (before torch 1.6), which is not read; "
        + "re-save it with torch.save in a current torch, or convert it to safetensors"
    case let .invalidArchive(file, reason): return "\(file) is not a valid torch.save zip archive: \(reason)"
    case let .missingEntry(file, entry): return "\(file) lacks the archive entry \(entry)"
    case let .unsupportedCompression(file, entry, method):
      return "\(file): entry \(entry) uses zip compression method \(method) (only stored and deflate are read)"
    case let .corruptEntry(file, entry, size):
      return "\(file): deflated entry \(entry) does not inflate to its declared \(size) bytes"
    case let .invalidByteOrder(file, found): return "\(file): byteorder is \"\(found)\", not little or big"
    case let .refusedGlobal(file, global): return "\(file): refused global \(global): only tensor data is read"
    case let .invalidPickle(file, offset, reason): return "\(file): invalid pickle at byte \(offset) of data.pkl: \(reason)"
    case let .notAStateDict(file, reason): return "\(file) is not a state dict of tensors: \(reason)"
    case let .tensorOutOfBounds(file, tensor, reason): return "\(file): tensor \(tensor) \(reason)"
    case let .invalidIndex(reason): return "invalid pytorch_model.bin.index.json: \(reason)"
    case let .tensorNotInShard(tensor, shard): return "index assigns \(tensor) to \(shard), which does not hold it"
    case let .missingTensor(name): return "no tensor named \(name)"
    case let .unsupportedDType(tensor, dtype):
      return "tensor \(tensor) is \(dtype); only float32, float16 and bfloat16 are supported"
    }
  }
}
