/// Why a DEFLATE (RFC 1951) or zlib (RFC 1950) stream was refused. Every case says what was wrong and where:
/// `offset` is the index, in the bytes handed to the decoder, of the byte holding the next unread bit when the
/// problem was found.
public enum InflateError: Error, Equatable, Sendable {
  /// The Huffman code a malformed code-length set belongs to.
  public enum Code: String, Sendable {
    case codeLength = "code-length", literalLength = "literal/length", distance
  }

  /// The input ended before the stream did.
  case unexpectedEnd(inputLength: Int)
  /// A block header declared the reserved block type 3.
  case invalidBlockType(UInt8, offset: Int)
  /// A stored block's LEN is not the one's complement of its NLEN.
  case storedLengthMismatch(length: UInt16, complement: UInt16, offset: Int)
  /// A dynamic block declared more than 286 literal/length or 30 distance codes.
  case tooManyCodes(literalLength: Int, distance: Int, offset: Int)
  /// The code lengths assign more codes than a prefix code of that size can hold.
  case oversubscribedCode(Code, offset: Int)
  /// The code lengths leave codes unused (allowed only for a single one-bit code, as zlib does).
  case incompleteCode(Code, offset: Int)
  /// Code-length symbol 16 (repeat the previous length) came first.
  case repeatWithoutPreviousLength(offset: Int)
  /// A repeat in the code lengths runs past the declared number of codes.
  case codeLengthsOverrun(offset: Int)
  /// The literal/length code gives no code to symbol 256, so the block could never end.
  case missingEndOfBlock(offset: Int)
  /// The bits read match no symbol, or match one of the never-valid symbols 286, 287 (literal/length) or 30, 31
  /// (distance).
  case invalidSymbol(Code, offset: Int)
  /// A back-reference points before the start of the output.
  case distanceTooFarBack(distance: Int, outputPosition: Int)
  /// The stream produces more than the caller allowed.
  case outputLimitExceeded(limit: Int)
  /// The stream ended having produced fewer bytes than the caller expected.
  case outputTooShort(expected: Int, produced: Int)
  /// The zlib header's check bits (CMF·256 + FLG must be a multiple of 31) are wrong.
  case badZlibHeader(cmf: UInt8, flg: UInt8)
  /// The zlib header names a compression method other than 8 (DEFLATE) or a window larger than 32 KiB.
  case unsupportedCompression(cmf: UInt8)
  /// The zlib header asks for a preset dictionary, which PNG and this decoder do not use.
  case presetDictionary
  /// The Adler-32 checksum after the compressed data does not match the decompressed bytes.
  case badAdler32(declared: UInt32, computed: UInt32)
}

extension InflateError: CustomStringConvertible {
  public var description: String {
    switch self {
    case let .unexpectedEnd(n): return "compressed data truncated: input ended after \(n) bytes"
    case let .invalidBlockType(t, at): return "invalid DEFLATE block type \(t) at byte \(at)"
    case let .storedLengthMismatch(len, nlen, at):
      return "stored block at byte \(at): LEN \(len) is not the complement of NLEN \(nlen)"
    case let .tooManyCodes(lit, dist, at):
      return "dynamic block at byte \(at) declares \(lit) literal/length and \(dist) distance codes (max 286, 30)"
    case let .oversubscribedCode(code, at): return "oversubscribed \(code.rawValue) code at byte \(at)"
    case let .incompleteCode(code, at): return "incomplete \(code.rawValue) code at byte \(at)"
    case let .repeatWithoutPreviousLength(at): return "code-length repeat with no previous length at byte \(at)"
    case let .codeLengthsOverrun(at): return "code-length repeat runs past the declared codes at byte \(at)"
    case let .missingEndOfBlock(at): return "dynamic block at byte \(at) has no end-of-block code"
    case let .invalidSymbol(code, at): return "invalid \(code.rawValue) code at byte \(at)"
    case let .distanceTooFarBack(d, p): return "back-reference distance \(d) exceeds the \(p) bytes output so far"
    case let .outputLimitExceeded(limit): return "decompressed data exceeds the limit of \(limit) bytes"
    case let .outputTooShort(e, p): return "decompressed data has \(p) bytes, expected \(e)"
    case let .badZlibHeader(cmf, flg): return "bad zlib header check bits (CMF \(cmf), FLG \(flg))"
    case let .unsupportedCompression(cmf): return "unsupported zlib compression method or window (CMF \(cmf))"
    case .presetDictionary: return "zlib stream needs a preset dictionary"
    case let .badAdler32(d, c):
      return "Adler-32 mismatch: stream declares \(hex(d)), data gives \(hex(c))"
    }
  }
}

func hex(_ v: UInt32) -> String {
  let s = String(v, radix: 16)
  return "0x" + String(repeating: "0", count: 8 - s.count) + s
}
