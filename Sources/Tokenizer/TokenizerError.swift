/// Why a tokenizer could not be loaded from its files.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
  /// The directory holds neither `tokenizer.json` nor both `vocab.json` and `merges.txt`.
  case missingFiles(directory: String)
  /// A file exists but could not be read.
  case unreadableFile(path: String, reason: String)
  /// A file is not valid JSON, or its JSON does not have the expected shape.
  case invalidJSON(path: String, reason: String)
  /// A merge is not two tokens separated by one space: `line` is 1-based (in `merges.txt`, counting the
  /// `#version` line; in `tokenizer.json`, the entry's position in `model.merges`).
  case invalidMerge(path: String, line: Int, text: String)
  /// A merge (0-based rank) refers to a token the vocabulary lacks.
  case mergeTokenNotInVocabulary(rank: Int, token: String)
  /// The token a merge produces (0-based rank) is not in the vocabulary.
  case mergeResultNotInVocabulary(rank: Int, token: String)
  /// A token id is negative or does not fit in 32 bits.
  case invalidTokenID(token: String, id: Int)
  /// The model in `tokenizer.json` is not byte-level BPE.
  case unsupportedModel(type: String)
  /// An added token asks for behaviour CLIP's tokenizer never uses (`lstrip`, `rstrip` or `single_word`).
  case unsupportedAddedToken(content: String, option: String)
  /// A special token (bos, eos, unk, pad) is neither in the vocabulary nor among the added tokens.
  case specialTokenNotInVocabulary(role: String, token: String)
  /// The vocabulary lacks the byte-level symbol for a byte and there is no unknown token to stand in.
  case byteSymbolNotInVocabulary(byte: UInt8, symbol: String)
  /// The maximum length (`model_max_length`) cannot hold the start and end tokens, or is not an integer.
  case invalidMaxLength(String)
  /// A file the tokenizer needs (`spiece.model`, `tokenizer.json`) is not in the directory.
  case missingFile(path: String)
  /// `spiece.model` is not a SentencePiece `ModelProto`, or an inconsistent one.
  case invalidModelProto(path: String, reason: String)
  /// The SentencePiece model is of a type the tokenizer does not run (SigLIP's is `UNIGRAM`).
  case unsupportedSentencePieceModel(path: String, type: String)
  /// `tokenizer.json`'s post-processor is not one the tokenizer runs (`TemplateProcessing` or none).
  case unsupportedPostProcessor(path: String, type: String)
  /// `tokenizer_config.json` names a tokenizer class this module does not implement.
  case unsupportedTokenizerClass(String, supported: [String])

  public var description: String {
    switch self {
    case let .missingFiles(directory):
      return "\(directory) holds neither tokenizer.json nor vocab.json with merges.txt"
    case let .unreadableFile(path, reason):
      return "cannot read \(path): \(reason)"
    case let .invalidJSON(path, reason):
      return "invalid JSON in \(path): \(reason)"
    case let .invalidMerge(path, line, text):
      return "\(path): merge \(line) is not two tokens separated by a space: \(text.debugDescription)"
    case let .mergeTokenNotInVocabulary(rank, token):
      return "merge \(rank) refers to \(token.debugDescription), which is not in the vocabulary"
    case let .mergeResultNotInVocabulary(rank, token):
      return "merge \(rank) produces \(token.debugDescription), which is not in the vocabulary"
    case let .invalidTokenID(token, id):
      return "token \(token.debugDescription) has the invalid id \(id)"
    case let .unsupportedModel(type):
      return "tokenizer.json holds a \(type) model; only BPE is supported"
    case let .unsupportedAddedToken(content, option):
      return "added token \(content.debugDescription) sets \(option), which is not supported"
    case let .specialTokenNotInVocabulary(role, token):
      return "the \(role) token \(token.debugDescription) is not in the vocabulary"
    case let .byteSymbolNotInVocabulary(byte, symbol):
      return "the vocabulary has no symbol \(symbol.debugDescription) for byte \(byte) and no unknown token"
    case let .invalidMaxLength(value):
      return "model_max_length \(value) is not an integer of at least 2 (start and end tokens)"
    case let .missingFile(path):
      return "\(path) does not exist"
    case let .invalidModelProto(path, reason):
      return "\(path) is not a valid SentencePiece model: \(reason)"
    case let .unsupportedSentencePieceModel(path, type):
      return "\(path) holds a SentencePiece \(type) model; only UNIGRAM is supported"
    case let .unsupportedPostProcessor(path, type):
      return "\(path): the post-processor \(type) is not supported (only TemplateProcessing)"
    case let .unsupportedTokenizerClass(name, supported):
      return "tokenizer class \(name) is not supported; supported: \(supported.joined(separator: ", "))"
    }
  }
}
