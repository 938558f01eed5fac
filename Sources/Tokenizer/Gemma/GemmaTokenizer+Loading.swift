import Foundation

extension GemmaTokenizer {
  /// Loads the tokenizer of a SigLIP 2 checkpoint directory as transformers 5's `AutoTokenizer` does.
  ///
  /// From `tokenizer.json`: the vocabulary, merges, the post-processor (`TemplateProcessing`, or none) and, when
  /// `tokenizer_config.json` has no `added_tokens_decoder`, the added tokens. From `tokenizer_config.json`: the
  /// added tokens (`added_tokens_decoder`), the special tokens (`unk_token` is BPE's unknown token; `bos_token`,
  /// `eos_token`, `pad_token`, `mask_token` and the extra special tokens are added if missing), `model_max_length`.
  /// The normalizer, pre-tokenizer and BPE options (byte fallback, fused unknowns, no `ignore_merges`) are
  /// `GemmaTokenizer`'s, whatever `tokenizer.json` says, because transformers rebuilds them.
  ///
  /// - Parameters:
  ///   - lowercases: overrides the choice of class: transformers uses `Siglip2Tokenizer` (which lower-cases) when
  ///     `config.json` says `model_type` "siglip2" or `tokenizer_config.json` names `Siglip2Tokenizer`, else
  ///     `GemmaTokenizer` (which does not; SigLIP 2's fixed-resolution checkpoints are `siglip` models).
  ///   - maxLength: overrides `model_max_length`; a `model_max_length` above 2^30 (transformers' "no limit") or
  ///     none gives 64, SigLIP's text positions.
  /// - Throws: `TokenizerError`: `.missingFile` without `tokenizer.json`, `.invalidJSON` naming the file and the
  ///   byte, `.unsupportedModel` for a model that is not BPE, `.unsupportedPostProcessor`, merge errors.
  public init(directory: URL, lowercases: Bool? = nil, maxLength: Int? = nil) throws {
    let files = ModelFiles(directory: directory)
    let jsonPath = files.path("tokenizer.json")
    guard files.exists("tokenizer.json") else { throw TokenizerError.missingFile(path: jsonPath) }
    let json = try TokenizerJSON(data: [UInt8](try files.data("tokenizer.json")), path: jsonPath)
    if let type = json.modelType, type != "BPE" { throw TokenizerError.unsupportedModel(type: type) }

    let config = try files.object("tokenizer_config.json") ?? [:]
    let configPath = files.path("tokenizer_config.json")
    let hasDecoder = config["added_tokens_decoder"] != nil
    let hub = try HubTokenizerConfig(
      config: config, path: configPath,
      specialTokensMap: hasDecoder ? nil : try files.object("special_tokens_map.json"),
      specialTokensMapPath: files.path("special_tokens_map.json"))
    let modelType = try files.object("config.json")?["model_type"] as? String

    var added: [AddedToken] = []
    if hasDecoder {
      for (token, _) in hub.addedTokens {
        added.append(
          AddedToken(token.content, normalized: hub.normalized[ExactString(token.content)] ?? false, lstrip: token.lstrip,
                     rstrip: token.rstrip, singleWord: token.singleWord))
      }
    } else {
      for object in json.addedTokens {
        guard let content = object["content"] as? String else {
          throw TokenizerError.invalidJSON(path: jsonPath, reason: "an added token has no content")
        }
        let special = object["special"] as? Bool ?? false
        added.append(
          AddedToken(content, normalized: object["normalized"] as? Bool ?? !special,
                     lstrip: object["lstrip"] as? Bool ?? false, rstrip: object["rstrip"] as? Bool ?? false,
                     singleWord: object["single_word"] as? Bool ?? false))
      }
    }
    func content(_ key: String, default fallback: String?) -> String? {
      switch hub.specialTokens[key] {
      case let .string(content): content
      case let .token(token): token.content
      case nil: fallback
      }
    }
    let defaults = ["bos_token": "<bos>", "eos_token": "<eos>", "unk_token": "<unk>", "pad_token": "<pad>",
                    "mask_token": "<mask>"]
    let specials = HubTokenizerConfig.specialKeys.compactMap { content($0, default: defaults[$0]) }
    for special in specials + hub.additionalSpecialTokens.map(\.content)
    where !added.contains(where: { ExactString($0.content) == ExactString(special) }) {
      added.append(AddedToken(special))
    }

    let unknown = content("unk_token", default: "<unk>")
    let bpe = try SentencePieceBPE(
      vocabulary: json.vocabulary, merges: json.merges, unknownToken: unknown, byteFallback: true)
    let (prefix, suffix) = try Self.template(json.postProcessor, path: jsonPath)
    let className = config["tokenizer_class"] as? String
    try self.init(
      bpe: bpe, addedTokens: added, padToken: content("pad_token", default: "<pad>") ?? "<pad>",
      prefix: prefix, suffix: suffix,
      lowercases: lowercases ?? (modelType == "siglip2" || className == "Siglip2Tokenizer"),
      maxLength: try maxLength ?? hub.maxLength(default: 64))
  }

  /// The special token ids `TemplateProcessing`'s `single` template puts before and after `$A`.
  private static func template(_ processor: [String: Any]?, path: String) throws -> (prefix: [Int], suffix: [Int]) {
    guard let processor else { return ([], []) }
    let type = processor["type"] as? String ?? "?"
    guard type == "TemplateProcessing" else { throw TokenizerError.unsupportedPostProcessor(path: path, type: type) }
    guard let single = processor["single"] as? [Any], let specials = processor["special_tokens"] as? [String: Any]
    else { throw TokenizerError.invalidJSON(path: path, reason: "TemplateProcessing without \"single\" or tokens") }
    var prefix: [Int] = []
    var suffix: [Int] = []
    var sawSequence = false
    for piece in single {
      guard let piece = piece as? [String: Any] else {
        throw TokenizerError.invalidJSON(path: path, reason: "a template piece is not an object")
      }
      if let sequence = piece["Sequence"] as? [String: Any] {
        guard sequence["id"] as? String == "A", !sawSequence else {
          throw TokenizerError.unsupportedPostProcessor(path: path, type: "TemplateProcessing with a pair template")
        }
        sawSequence = true
      } else if let special = piece["SpecialToken"] as? [String: Any], let name = special["id"] as? String {
        guard let entry = specials[name] as? [String: Any], let ids = entry["ids"] as? [Int] else {
          throw TokenizerError.invalidJSON(path: path, reason: "the template's token \(name.debugDescription) has no ids")
        }
        if sawSequence { suffix += ids } else { prefix += ids }
      } else {
        throw TokenizerError.invalidJSON(path: path, reason: "a template piece is neither Sequence nor SpecialToken")
      }
    }
    return (prefix, suffix)
  }
}
