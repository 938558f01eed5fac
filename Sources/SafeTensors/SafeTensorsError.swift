/// Why a safetensors file (or a sharded checkpoint's index) was refused.
///
/// Every offset and size in a header is checked against the file before any tensor is read, so a
/// truncated or corrupt file fails at open time with one of these, never with a crash.
public enum SafeTensorsError: Error, Equatable, Sendable {
  /// The file could not be opened or mapped.
  case unreadable(path: String, reason: String)
  /// Fewer than the 8 bytes of the header length.
  case fileTooSmall(byteCount: Int)
  /// The declared header length exceeds the format's limit (100 MB, as the reference implementation).
  case headerTooLarge(declared: UInt64, limit: UInt64)
  /// The declared header length runs past the end of the file.
  case headerBeyondFile(declared: UInt64, available: UInt64)
  /// The header is not the JSON object the format prescribes.
  case invalidHeader(reason: String)
  /// A tensor declares a dtype the format does not define.
  case unknownDType(tensor: String, dtype: String)
  /// A tensor's `data_offsets` are not `[begin, end]` with `begin <= end`.
  case invalidOffsets(tensor: String, offsets: [UInt64])
  /// A tensor's byte range does not hold `shape` elements of `dtype`.
  case sizeMismatch(tensor: String, shape: [Int], dtype: DType, byteCount: UInt64)
  /// A tensor's bytes run past the end of the file (a truncated file).
  case tensorBeyondFile(tensor: String, end: UInt64, dataByteCount: UInt64)
  /// Tensors overlap or leave a gap: the data section must be tiled exactly, in offset order.
  case misplacedTensor(tensor: String, begin: UInt64, expectedBegin: UInt64)
  /// The data section has bytes after the last tensor.
  case trailingBytes(dataByteCount: UInt64, used: UInt64)
  /// A tensor was asked for that the file does not hold.
  case missingTensor(String)
  /// A tensor's dtype cannot be read as `Float`.
  case unsupportedDType(tensor: String, dtype: DType)
  /// A sharded checkpoint's `model.safetensors.index.json` is malformed.
  case invalidIndex(reason: String)
  /// A shard named by the index does not hold a tensor the index assigns to it.
  case tensorNotInShard(tensor: String, shard: String)
}

extension SafeTensorsError: CustomStringConvertible {
  public var description: String {
    switch self {
    case let .unreadable(path, reason): return "cannot read \(path): \(reason)"
    case let .fileTooSmall(count): return "safetensors file of \(count) bytes has no header length"
    case let .headerTooLarge(declared, limit): return "header length \(declared) exceeds the limit of \(limit) bytes"
    case let .headerBeyondFile(declared, available):
      return "header length \(declared) runs past the end of the file (\(available) bytes after the length)"
    case let .invalidHeader(reason): return "invalid safetensors header: \(reason)"
    case let .unknownDType(tensor, dtype): return "tensor \(tensor) has unknown dtype \(dtype)"
    case let .invalidOffsets(tensor, offsets): return "tensor \(tensor) has invalid data_offsets \(offsets)"
    case let .sizeMismatch(tensor, shape, dtype, count):
      return "tensor \(tensor): \(count) bytes cannot hold shape \(shape) of \(dtype.rawValue)"
    case let .tensorBeyondFile(tensor, end, count):
      return "tensor \(tensor) ends at byte \(end) of a \(count)-byte data section (truncated file?)"
    case let .misplacedTensor(tensor, begin, expected):
      return "tensor \(tensor) starts at byte \(begin), expected \(expected) (overlap or gap)"
    case let .trailingBytes(count, used): return "data section has \(count) bytes but tensors use \(used)"
    case let .missingTensor(name): return "no tensor named \(name)"
    case let .unsupportedDType(tensor, dtype):
      return "tensor \(tensor) is \(dtype.rawValue); only F32, F16 and BF16 are supported"
    case let .invalidIndex(reason): return "invalid model.safetensors.index.json: \(reason)"
    case let .tensorNotInShard(tensor, shard): return "index assigns \(tensor) to \(shard), which does not hold it"
    }
  }
}
