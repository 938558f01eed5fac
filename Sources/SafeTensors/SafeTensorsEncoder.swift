import Foundation

/// Writes tensors in the safetensors format: the inverse of `SafeTensorsFile`.
///
/// Tensors are laid out in the order given, contiguously, with the header padded by spaces to a multiple
/// of 8 bytes as the reference implementation does. Used to write checkpoints from Swift and, in tests, to
/// build files with a precise defect.
public enum SafeTensorsEncoder {
  /// One tensor to write: its little-endian bytes, which must hold `shape` elements of `dtype`.
  public struct Tensor: Sendable {
    public var name: String
    public var dtype: DType
    public var shape: [Int]
    public var bytes: [UInt8]

    public init(name: String, dtype: DType, shape: [Int], bytes: [UInt8]) {
      precondition(bytes.count == shape.reduce(dtype.byteWidth, *),
                   "Tensor \(name): \(bytes.count) bytes for \(shape) of \(dtype.rawValue)")
      self.name = name
      self.dtype = dtype
      self.shape = shape
      self.bytes = bytes
    }

    /// An F32 tensor.
    public init(name: String, shape: [Int], floats: [Float]) {
      var bytes: [UInt8] = []
      bytes.reserveCapacity(floats.count * 4)
      for value in floats {
        let bits = value.bitPattern
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: bits >> shift)) }
      }
      self.init(name: name, dtype: .f32, shape: shape, bytes: bytes)
    }
  }

  /// The file holding `tensors` (names must be distinct) and `metadata`.
  public static func encode(_ tensors: [Tensor], metadata: [String: String] = [:]) -> Data {
    var header = "{"
    var entries: [String] = []
    if !metadata.isEmpty {
      let fields = metadata.keys.sorted().map { "\(quoted($0)):\(quoted(metadata[$0]!))" }
      entries.append("\"__metadata__\":{\(fields.joined(separator: ","))}")
    }
    var offset = 0
    for tensor in tensors {
      let shape = tensor.shape.map(String.init).joined(separator: ",")
      entries.append("\(quoted(tensor.name)):{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(shape)],"
        + "\"data_offsets\":[\(offset),\(offset + tensor.bytes.count)]}")
      offset += tensor.bytes.count
    }
    header += entries.joined(separator: ",") + "}"
    var headerBytes = Array(header.utf8)
    while headerBytes.count % 8 != 0 { headerBytes.append(UInt8(ascii: " ")) }
    var data = Data()
    let length = UInt64(headerBytes.count)
    for shift in stride(from: 0, to: 64, by: 8) { data.append(UInt8(truncatingIfNeeded: length >> shift)) }
    data.append(contentsOf: headerBytes)
    for tensor in tensors { data.append(contentsOf: tensor.bytes) }
    return data
  }

  /// A JSON string literal.
  private static func quoted(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}
