/// SentencePiece's unigram model: the Viterbi segmentation of `Model::EncodeOptimized` (`unigram_model.cc`), then
/// what `SentencePieceProcessor::Encode` makes of it: runs of unknown characters merged into one piece, or, with
/// `byte_fallback`, each unknown byte written as its `<0xNN>` piece.
///
/// The scores are added as the reference adds them (a piece's score in double precision, the best path's score kept
/// in single precision; the unknown penalty in single precision), and ties keep the first candidate found, so the
/// segmentation is the reference's even where two paths score the same.
struct UnigramModel: Sendable {
  /// One piece of an encoding: its text (normalized, merged for unknowns) and id.
  struct Piece: Equatable {
    var text: [UInt8]
    var id: Int
  }

  private let model: SentencePieceModel
  private let trie: ByteTrie
  /// Pieces that `PieceToId` finds: control and unknown pieces first, then the others.
  private let reserved: [ExactString: Int]
  private let normal: [ExactString: Int]
  let unknownID: Int
  private let minScore: Float
  private let maxScore: Float
  private let byteIDs: [Int]?

  /// - Throws: `SentencePieceModel.FormatError` when the model has no unknown piece, two unknown pieces, a piece
  ///   defined twice, or `byte_fallback` without all 256 byte pieces.
  init(model: SentencePieceModel) throws {
    self.model = model
    var reserved: [ExactString: Int] = [:]
    var normal: [ExactString: Int] = [:]
    var unknownID: Int?
    var minScore = Float.greatestFiniteMagnitude
    var maxScore = Float.leastNormalMagnitude  // FLT_MIN, as the reference starts from
    var trie = ByteTrie()
    for (id, piece) in model.pieces.enumerated() {
      switch piece.type {
      case .normal, .userDefined, .unused:
        guard normal.updateValue(id, forKey: ExactString(piece.piece)) == nil else {
          throw SentencePieceModel.FormatError(reason: "the piece \(piece.piece.debugDescription) is defined twice")
        }
        trie.insert(Array(piece.piece.utf8), id: Int32(id))
      case .unknown, .control, .byte:
        guard reserved.updateValue(id, forKey: ExactString(piece.piece)) == nil else {
          throw SentencePieceModel.FormatError(reason: "the piece \(piece.piece.debugDescription) is defined twice")
        }
      }
      if piece.type == .unknown {
        guard unknownID == nil else { throw SentencePieceModel.FormatError(reason: "the model has two unknown pieces") }
        unknownID = id
      }
      if piece.type == .normal {
        minScore = min(minScore, piece.score)
        maxScore = max(maxScore, piece.score)
      }
    }
    guard let unknownID else { throw SentencePieceModel.FormatError(reason: "the model has no unknown piece") }
    self.reserved = reserved
    self.normal = normal
    self.unknownID = unknownID
    self.minScore = minScore
    self.maxScore = maxScore
    self.trie = trie
    if model.byteFallback {
      var byteIDs: [Int] = []
      for byte in 0...UInt8.max {
        let name = Self.bytePiece(byte)
        guard let id = reserved[ExactString(name)], model.pieces[id].type == .byte else {
          throw SentencePieceModel.FormatError(reason: "byte_fallback is set but the byte piece \(name) is missing")
        }
        byteIDs.append(id)
      }
      self.byteIDs = byteIDs
    } else {
      byteIDs = nil
    }
  }

  static func bytePiece(_ byte: UInt8) -> String {
    let hex = String(byte, radix: 16, uppercase: true)
    return "<0x\(hex.count == 1 ? "0" + hex : hex)>"
  }

  /// `PieceToId`: the id of a piece's text, the unknown id when there is none.
  func id(of piece: String) -> Int {
    reserved[ExactString(piece)] ?? normal[ExactString(piece)] ?? unknownID
  }

  /// The pieces of a normalized text.
  ///
  /// - Complexity: O(*n* · *k*) for *n* bytes and pieces of at most *k* bytes.
  func encode(normalized text: [UInt8]) -> [Piece] {
    let size = text.count
    guard size > 0 else { return [] }
    let unknownScore = minScore - 10
    // Per end position: the best path's score, its last piece's start (-1: none yet) and id.
    var scores = [Float](repeating: 0, count: size + 1)
    var starts = [Int](repeating: -1, count: size + 1)
    var ids = [Int32](repeating: -1, count: size + 1)
    var start = 0
    while start < size {
      let scoreHere = scores[start]
      let characterLength = min(utf8Length(leadingByte: text[start]), size - start)
      var hasSingleNode = false
      trie.forEachPrefix(of: text, from: start) { end, id in
        let piece = model.pieces[Int(id)]
        if piece.type == .unused { return }
        let length = end - start
        let score: Double =
          piece.type == .userDefined ? Double(Float(length) * maxScore) - 0.1 : Double(piece.score)
        let candidate = score + Double(scoreHere)
        if starts[end] == -1 || candidate > Double(scores[end]) {
          scores[end] = Float(candidate)
          starts[end] = start
          ids[end] = id
        }
        if length == characterLength { hasSingleNode = true }
      }
      if !hasSingleNode {
        let end = start + characterLength
        let candidate = unknownScore + scoreHere
        if starts[end] == -1 || candidate > scores[end] {
          scores[end] = candidate
          starts[end] = start
          ids[end] = Int32(unknownID)
        }
      }
      start += characterLength
    }
    var path: [(Int, Int)] = []
    var end = size
    while end > 0 {
      path.append((starts[end], end))
      end = starts[end]
    }
    var pieces: [Piece] = []
    pieces.reserveCapacity(path.count)
    var previousIsUnknown = false
    for (start, end) in path.reversed() {
      let id = Int(ids[end])
      let isUnknown = id == unknownID
      let surface = Array(text[start..<end])
      if isUnknown, let byteIDs {
        for byte in surface { pieces.append(Piece(text: Array(Self.bytePiece(byte).utf8), id: byteIDs[Int(byte)])) }
      } else if isUnknown && previousIsUnknown {
        pieces[pieces.count - 1].text += surface
      } else {
        pieces.append(Piece(text: surface, id: id))
      }
      previousIsUnknown = isUnknown
    }
    return pieces
  }
}

/// A trie over UTF-8 bytes, for the pieces that prefix a text.
struct ByteTrie: Sendable {
  /// `node << 8 | byte` to the child node.
  private var children: [Int: Int32] = [:]
  /// The piece id ending at each node, -1 for none.
  private var values: [Int32] = [-1]

  mutating func insert(_ key: [UInt8], id: Int32) {
    var node = 0
    for byte in key {
      let slot = node << 8 | Int(byte)
      if let child = children[slot] {
        node = Int(child)
      } else {
        values.append(-1)
        let child = values.count - 1
        children[slot] = Int32(child)
        node = child
      }
    }
    values[node] = id
  }

  /// Calls `body(end, id)` for each key that `text[start..<end]` equals, shortest first.
  func forEachPrefix(of text: [UInt8], from start: Int, _ body: (Int, Int32) -> Void) {
    var node = 0
    var index = start
    while index < text.count, let child = children[node << 8 | Int(text[index])] {
      node = Int(child)
      index += 1
      if values[node] >= 0 { body(index, values[node]) }
    }
  }
}
