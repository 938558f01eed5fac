/// The element types a safetensors header may declare, spelled as in the format (`"F32"`, `"BF16"`, ...).
///
/// Every type is known so that any well-formed file can be validated; only the floating-point types
/// `F32`, `F16` and `BF16` can be read as `Float` (see `SafeTensorsFile.floats(_:)`).
public enum DType: String, Sendable, CaseIterable {
  case bool = "BOOL"
  case u8 = "U8", i8 = "I8"
  case f8E5M2 = "F8_E5M2", f8E4M3 = "F8_E4M3"
  case u16 = "U16", i16 = "I16", f16 = "F16", bf16 = "BF16"
  case u32 = "U32", i32 = "I32", f32 = "F32"
  case u64 = "U64", i64 = "I64", f64 = "F64"

  /// Bytes per element.
  public var byteWidth: Int {
    switch self {
    case .bool, .u8, .i8, .f8E5M2, .f8E4M3: return 1
    case .u16, .i16, .f16, .bf16: return 2
    case .u32, .i32, .f32: return 4
    case .u64, .i64, .f64: return 8
    }
  }

  /// Whether `SafeTensorsFile.floats(_:)` can convert this type.
  public var isReadableAsFloat: Bool { self == .f32 || self == .f16 || self == .bf16 }

  /// The name PyTorch gives the type (`torch.float32` -> `"float32"`), for reports.
  public var torchName: String {
    switch self {
    case .bool: return "bool"
    case .u8: return "uint8"
    case .i8: return "int8"
    case .f8E5M2: return "float8_e5m2"
    case .f8E4M3: return "float8_e4m3fn"
    case .u16: return "uint16"
    case .i16: return "int16"
    case .f16: return "float16"
    case .bf16: return "bfloat16"
    case .u32: return "uint32"
    case .i32: return "int32"
    case .f32: return "float32"
    case .u64: return "uint64"
    case .i64: return "int64"
    case .f64: return "float64"
    }
  }
}
