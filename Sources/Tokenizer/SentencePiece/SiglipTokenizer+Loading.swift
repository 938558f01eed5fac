import Foundation

extension SiglipTokenizer {
  /// Loads the tokenizer of a SigLIP checkpoint directory as transformers 5's `SiglipTokenizer.from_pretrained`
  /// does: `spiece.model`, and `tokenizer_config.json` (its `added_tokens_decoder`, `eos_token`, `unk_token`,
  /// `pad_token`, `additional_special_tokens` / `extra_special_tokens`, `do_lower_case`, `model_max_length`);
  /// without `added_tokens_decoder`, the special tokens of `special_tokens_map.json` override the config's.
  /// Absent, the defaults are SiglipTokenizer's: `</s>` as end and padding token, `<unk>`, lower-casing, 64.
  ///
  /// - Parameter maxLength: overrides `model_max_length` (the pipeline passes `max_length=64`). A
  ///   `model_max_length` above 2^30 is transformers' "no limit" and gives 64, SigLIP's text positions.
  /// - Throws: `TokenizerError`: `.missingFile` without `spiece.model`, `.invalidModelProto` for a file that is not
  ///   a SentencePiece model, `.unsupportedSentencePieceModel` for one that is not unigram, `.invalidJSON` for
  ///   malformed JSON files.
  public init(directory: URL, maxLength: Int? = nil) throws {
    let files = ModelFiles(directory: directory)
    let modelPath = files.path("spiece.model")
    guard files.exists("spiece.model") else { throw TokenizerError.missingFile(path: modelPath) }
    let model: SentencePieceModel
    do {
      model = try SentencePieceModel(serialized: [UInt8](try files.data("spiece.model")))
    } catch let error as SentencePieceModel.FormatError {
      throw TokenizerError.invalidModelProto(path: modelPath, reason: error.reason)
    }
    let config = try files.object("tokenizer_config.json") ?? [:]
    let configPath = files.path("tokenizer_config.json")
    let hubConfig = try HubTokenizerConfig(
      config: config, path: configPath,
      specialTokensMap: config["added_tokens_decoder"] == nil ? try files.object("special_tokens_map.json") : nil,
      specialTokensMapPath: files.path("special_tokens_map.json"))

    // A special token given as a string is wrapped with lstrip and rstrip by SiglipTokenizer.__init__; as a token
    // object it is used as declared; either way the added_tokens_decoder entry with its content wins.
    func special(_ key: String, default content: String) -> SpecialToken {
      let declared = hubConfig.specialTokens[key] ?? .string(content)
      switch declared {
      case let .string(content):
        return hubConfig.addedTokens.first { ExactString($0.0.content) == ExactString(content) }?.0
          ?? SpecialToken(content, lstrip: true, rstrip: true)
      case let .token(token):
        return hubConfig.addedTokens.first { ExactString($0.0.content) == ExactString(token.content) }?.0 ?? token
      }
    }
    try self.init(
      model: model, path: modelPath, addedTokens: hubConfig.addedTokens,
      eosToken: special("eos_token", default: "</s>"), unknownToken: special("unk_token", default: "<unk>"),
      padToken: special("pad_token", default: "</s>"), additionalSpecialTokens: hubConfig.additionalSpecialTokens,
      lowercases: config["do_lower_case"] as? Bool ?? true,
      maxLength: try maxLength ?? hubConfig.maxLength(default: 64))
  }
}

extension SiglipTokenizer {
  /// A tokenizer from the bytes of a `spiece.model`, with SiglipTokenizer's defaults (`</s>` end and padding token,
  /// `<unk>`, lower-casing), as when the directory has no `tokenizer_config.json`.
  ///
  /// - Throws: `TokenizerError.invalidModelProto` (with `path` "spiece.model") or `.unsupportedSentencePieceModel`.
  public init(spieceModel bytes: [UInt8], maxLength: Int = 64) throws {
    let model: SentencePieceModel
    do {
      model = try SentencePieceModel(serialized: bytes)
    } catch let error as SentencePieceModel.FormatError {
      throw TokenizerError.invalidModelProto(path: "spiece.model", reason: error.reason)
    }
    try self.init(model: model, path: "spiece.model", maxLength: maxLength)
  }
}

/// What transformers reads from `tokenizer_config.json` (and the legacy `special_tokens_map.json`) about added and
/// special tokens and the maximum length.
struct HubTokenizerConfig {
  enum Declared {
    case string(String)
    case token(SiglipTokenizer.SpecialToken)
  }

  /// `added_tokens_decoder`, by id.
  var addedTokens: [(SiglipTokenizer.SpecialToken, Int)] = []
  /// Whether each added token is `normalized` (matched in normalized text by the `tokenizers` backend).
  var normalized: [ExactString: Bool] = [:]
  var specialTokens: [String: Declared] = [:]
  var additionalSpecialTokens: [SiglipTokenizer.SpecialToken] = []
  let config: [String: Any]

  static let specialKeys = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]

  init(config: [String: Any], path: String, specialTokensMap: [String: Any]?, specialTokensMapPath: String) throws {
    self.config = config
    if let decoder = config["added_tokens_decoder"] {
      guard let entries = decoder as? [String: Any] else {
        throw TokenizerError.invalidJSON(path: path, reason: "\"added_tokens_decoder\" is not an object")
      }
      for (key, entry) in entries {
        guard let id = Int(key), let token = Self.token(entry) else {
          throw TokenizerError.invalidJSON(path: path, reason: "added token \(key.debugDescription) is malformed")
        }
        addedTokens.append((token, id))
        normalized[ExactString(token.content)] = (entry as? [String: Any])?["normalized"] as? Bool ?? false
      }
      addedTokens.sort { $0.1 < $1.1 }
    }
    for key in Self.specialKeys {
      if let value = specialTokensMap?[key], let declared = Self.declared(value) {
        specialTokens[key] = declared
      } else if let value = config[key], !(value is NSNull) {
        guard let declared = Self.declared(value) else {
          throw TokenizerError.invalidJSON(path: path, reason: "\"\(key)\" is neither a string nor a token object")
        }
        specialTokens[key] = declared
      }
    }
    for key in ["additional_special_tokens", "extra_special_tokens"] {
      for value in (specialTokensMap?[key] ?? config[key]) as? [Any] ?? [] {
        guard let declared = Self.declared(value) else {
          throw TokenizerError.invalidJSON(path: path, reason: "an entry of \"\(key)\" is not a token")
        }
        switch declared {
        case let .string(content): additionalSpecialTokens.append(SiglipTokenizer.SpecialToken(content))
        case let .token(token): additionalSpecialTokens.append(token)
        }
      }
    }
  }

  /// `model_max_length`, or `fallback` when absent or transformers' "no limit" (above 2^30).
  func maxLength(default fallback: Int) throws -> Int {
    guard let value = config["model_max_length"], !(value is NSNull) else { return fallback }
    if let number = value as? Int { return number > 1 << 30 ? fallback : number }
    if let number = value as? Double, number > Double(1 << 30) { return fallback }
    throw TokenizerError.invalidMaxLength(String(describing: value))
  }

  private static func declared(_ value: Any) -> Declared? {
    if let content = value as? String { return .string(content) }
    return token(value).map { .token($0) }
  }

  static func token(_ value: Any) -> SiglipTokenizer.SpecialToken? {
    guard let object = value as? [String: Any], let content = object["content"] as? String else { return nil }
    return SiglipTokenizer.SpecialToken(
      content, lstrip: object["lstrip"] as? Bool ?? false, rstrip: object["rstrip"] as? Bool ?? false,
      singleWord: object["single_word"] as? Bool ?? false)
  }
}
