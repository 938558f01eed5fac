/// The fields of a SentencePiece `ModelProto` (`sentencepiece_model.proto`) that encoding reads, with the
/// proto's defaults where a field is absent. Unknown fields are skipped, as protobuf requires.
struct SentencePieceModel: Sendable, Equatable {
  /// `ModelProto.SentencePiece.Type`.
  enum PieceType: Int, Sendable {
    case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
  }

  struct Piece: Sendable, Equatable {
    var piece: String
    var score: Float
    var type: PieceType
  }

  /// `TrainerSpec.ModelType`.
  enum ModelType: Int, Sendable {
    case unigram = 1, bpe = 2, word = 3, character = 4

    var name: String {
      switch self {
      case .unigram: "UNIGRAM"
      case .bpe: "BPE"
      case .word: "WORD"
      case .character: "CHAR"
      }
    }
  }

  var pieces: [Piece] = []
  // TrainerSpec (field 2).
  var modelType = ModelType.unigram
  var treatWhitespaceAsSuffix = false
  var byteFallback = false
  var unknownID = 0, bosID = 1, eosID = 2, padID = -1
  // NormalizerSpec (field 3).
  var normalizerName = ""
  var precompiledCharsmap: [UInt8] = []
  var addDummyPrefix = true
  var removeExtraWhitespaces = true
  var escapeWhitespaces = true

  /// Why bytes are not a SentencePiece model: a message for `TokenizerError.invalidModelProto`.
  struct FormatError: Error, Equatable {
    var reason: String
  }

  /// Parses a serialized `ModelProto`.
  ///
  /// - Throws: `FormatError` for malformed protobuf, a field of the wrong wire type, a piece that is empty or not
  ///   UTF-8, an enum value the proto does not define, or a model without pieces.
  init(serialized bytes: [UInt8]) throws {
    var reader = ProtobufReader(bytes)
    try Self.fields(&reader, message: "ModelProto") { field, value in
      switch field {
      case 1: pieces.append(try Self.piece(bytes, Self.message(value, "pieces")))
      case 2: try trainerSpec(bytes, Self.message(value, "trainer_spec"))
      case 3: try normalizerSpec(bytes, Self.message(value, "normalizer_spec"))
      default: break
      }
    }
    guard !pieces.isEmpty else { throw FormatError(reason: "the model has no pieces") }
  }

  private mutating func trainerSpec(_ bytes: [UInt8], _ range: Range<Int>) throws {
    var reader = ProtobufReader(bytes, range: range)
    try Self.fields(&reader, message: "TrainerSpec") { field, value in
      switch field {
      case 3:
        let raw = try Self.int32(value, "model_type")
        guard let type = ModelType(rawValue: raw) else {
          throw FormatError(reason: "TrainerSpec.model_type \(raw) is not a model type")
        }
        modelType = type
      case 24: treatWhitespaceAsSuffix = try Self.bool(value, "treat_whitespace_as_suffix")
      case 35: byteFallback = try Self.bool(value, "byte_fallback")
      case 40: unknownID = try Self.int32(value, "unk_id")
      case 41: bosID = try Self.int32(value, "bos_id")
      case 42: eosID = try Self.int32(value, "eos_id")
      case 43: padID = try Self.int32(value, "pad_id")
      default: break
      }
    }
  }

  private mutating func normalizerSpec(_ bytes: [UInt8], _ range: Range<Int>) throws {
    var reader = ProtobufReader(bytes, range: range)
    try Self.fields(&reader, message: "NormalizerSpec") { field, value in
      switch field {
      case 1: normalizerName = try Self.string(bytes, Self.message(value, "name"), "NormalizerSpec.name")
      case 2: precompiledCharsmap = Array(bytes[try Self.message(value, "precompiled_charsmap")])
      case 3: addDummyPrefix = try Self.bool(value, "add_dummy_prefix")
      case 4: removeExtraWhitespaces = try Self.bool(value, "remove_extra_whitespaces")
      case 5: escapeWhitespaces = try Self.bool(value, "escape_whitespaces")
      default: break
      }
    }
  }

  private static func piece(_ bytes: [UInt8], _ range: Range<Int>) throws -> Piece {
    var reader = ProtobufReader(bytes, range: range)
    var piece: String?
    var score: Float = 0
    var type = PieceType.normal
    try fields(&reader, message: "SentencePiece") { field, value in
      switch field {
      case 1: piece = try string(bytes, message(value, "piece"), "SentencePiece.piece")
      case 2:
        guard case let .fixed32(bits) = value else { throw wrongType("SentencePiece.score") }
        score = Float(bitPattern: bits)
      case 3:
        let raw = try int32(value, "type")
        guard let known = PieceType(rawValue: raw) else {
          throw FormatError(reason: "SentencePiece.type \(raw) is not a piece type")
        }
        type = known
      default: break
      }
    }
    guard let piece, !piece.isEmpty else { throw FormatError(reason: "a piece is empty") }
    return Piece(piece: piece, score: score, type: type)
  }

  private static func fields(
    _ reader: inout ProtobufReader, message: String,
    _ body: (Int, ProtobufReader.Value) throws -> Void
  ) throws {
    do {
      while let (field, value) = try reader.next() { try body(field, value) }
    } catch let error as ProtobufReader.Error {
      throw FormatError(reason: "malformed protobuf in \(message): \(describe(error))")
    }
  }

  private static func describe(_ error: ProtobufReader.Error) -> String {
    switch error {
    case let .truncated(offset): "a field at byte \(offset) runs past the end"
    case let .overlongVarint(offset): "the varint at byte \(offset) is longer than 10 bytes"
    case let .invalidWireType(type, offset): "wire type \(type) at byte \(offset)"
    case let .invalidFieldNumber(offset): "field number 0 at byte \(offset)"
    }
  }

  private static func wrongType(_ field: String) -> FormatError {
    FormatError(reason: "\(field) has the wrong wire type")
  }

  private static func message(_ value: ProtobufReader.Value, _ field: String) throws -> Range<Int> {
    guard case let .bytes(range) = value else { throw wrongType(field) }
    return range
  }

  private static func int32(_ value: ProtobufReader.Value, _ field: String) throws -> Int {
    guard case let .varint(raw) = value else { throw wrongType(field) }
    return Int(Int32(truncatingIfNeeded: raw))
  }

  private static func bool(_ value: ProtobufReader.Value, _ field: String) throws -> Bool {
    guard case let .varint(raw) = value else { throw wrongType(field) }
    return raw != 0
  }

  private static func string(_ bytes: [UInt8], _ range: Range<Int>, _ field: String) throws -> String {
    guard let text = String(validating: bytes[range], as: UTF8.self) else {
      throw FormatError(reason: "\(field) is not UTF-8")
    }
    return text
  }
}
