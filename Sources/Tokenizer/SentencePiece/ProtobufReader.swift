/// A reader of the protobuf wire format, just what a SentencePiece `ModelProto` needs: varints, 32- and 64-bit
/// fixed fields, and length-delimited fields (strings, bytes, nested messages). Every read is bounds-checked and
/// a malformed input throws `ProtobufReader.Error`, never traps.
struct ProtobufReader {
  enum Error: Swift.Error, Equatable {
    /// The input ends inside a field: `offset` is where the field began.
    case truncated(offset: Int)
    /// A varint longer than 10 bytes.
    case overlongVarint(offset: Int)
    /// A wire type protobuf does not define (or the deprecated groups, 3 and 4).
    case invalidWireType(Int, offset: Int)
    /// Field number 0, which protobuf forbids.
    case invalidFieldNumber(offset: Int)
  }

  /// A field's value as the wire carries it.
  enum Value {
    case varint(UInt64)
    case fixed64(UInt64)
    case fixed32(UInt32)
    /// The bytes of a length-delimited field, as a range of the reader's buffer.
    case bytes(Range<Int>)
  }

  let bytes: [UInt8]
  private(set) var offset: Int
  let end: Int

  init(_ bytes: [UInt8]) {
    self.init(bytes, range: 0..<bytes.count)
  }

  init(_ bytes: [UInt8], range: Range<Int>) {
    self.bytes = bytes
    offset = range.lowerBound
    end = range.upperBound
  }

  var isAtEnd: Bool { offset >= end }

  /// The next field's number and value, or nil at the end of the message.
  mutating func next() throws -> (field: Int, value: Value)? {
    guard offset < end else { return nil }
    let start = offset
    let key = try varint()
    let field = key >> 3
    guard field > 0, field <= UInt64(Int32.max) else { throw Error.invalidFieldNumber(offset: start) }
    switch key & 7 {
    case 0:
      return (Int(field), .varint(try varint()))
    case 1:
      guard end - offset >= 8 else { throw Error.truncated(offset: start) }
      var value: UInt64 = 0
      for index in 0..<8 { value |= UInt64(bytes[offset + index]) << (8 * index) }
      offset += 8
      return (Int(field), .fixed64(value))
    case 2:
      let length = try varint()
      guard length <= UInt64(end - offset) else { throw Error.truncated(offset: start) }
      let range = offset..<(offset + Int(length))
      offset = range.upperBound
      return (Int(field), .bytes(range))
    case 5:
      guard end - offset >= 4 else { throw Error.truncated(offset: start) }
      var value: UInt32 = 0
      for index in 0..<4 { value |= UInt32(bytes[offset + index]) << (8 * index) }
      offset += 4
      return (Int(field), .fixed32(value))
    case let type:
      throw Error.invalidWireType(Int(type), offset: start)
    }
  }

  private mutating func varint() throws -> UInt64 {
    let start = offset
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while true {
      guard offset < end else { throw Error.truncated(offset: start) }
      guard shift < 64 else { throw Error.overlongVarint(offset: start) }
      let byte = bytes[offset]
      offset += 1
      value |= UInt64(byte & 0x7F) << shift
      if byte & 0x80 == 0 { return value }
      shift += 7
    }
  }
}
