import Foundation

/// Picks and loads the tokenizer of a checkpoint directory, as transformers' `AutoTokenizer` would for the model
/// families clip-worker serves.
public enum TokenizerLoader {
  /// The tokenizer classes this module implements.
  public enum Kind: String, Sendable, CaseIterable {
    case clip = "CLIPTokenizer", siglip = "SiglipTokenizer", gemma = "GemmaTokenizer", siglip2 = "Siglip2Tokenizer"
  }

  /// Which tokenizer `directory` holds: `tokenizer_class` in `tokenizer_config.json` (with or without `Fast`; a
  /// `siglip2` `model_type` in `config.json` makes any Gemma-style tokenizer `Siglip2Tokenizer`, as transformers
  /// forces it), else the files present: `spiece.model` is SigLIP's; a `tokenizer.json` is CLIP's when its first
  /// 64 KiB hold `</w>` (byte-level BPE with the end-of-word suffix), else Gemma's; `vocab.json` + `merges.txt` are
  /// CLIP's.
  ///
  /// - Throws: `TokenizerError.unsupportedTokenizerClass` for a class this module does not implement,
  ///   `.missingFiles` when nothing identifies the tokenizer, `.invalidJSON` for a malformed config.
  public static func kind(of directory: URL) throws -> Kind {
    let files = ModelFiles(directory: directory)
    let config = try files.object("tokenizer_config.json") ?? [:]
    let modelType = try files.object("config.json")?["model_type"] as? String
    if let name = config["tokenizer_class"] as? String {
      let base = name.hasSuffix("Fast") ? String(name.dropLast(4)) : name
      guard let kind = Kind(rawValue: base) else {
        throw TokenizerError.unsupportedTokenizerClass(name, supported: Kind.allCases.map(\.rawValue))
      }
      return kind == .gemma && modelType == "siglip2" ? .siglip2 : kind
    }
    if modelType == "siglip2" { return .siglip2 }
    if files.exists("spiece.model") { return .siglip }
    if files.exists("tokenizer.json") {
      // A Gemma tokenizer.json spells spaces ▁; CLIP's is byte-level and has "</w>" tokens.
      let head = try files.data("tokenizer.json").prefix(1 << 16)
      return head.range(of: Data("</w>".utf8)) != nil ? .clip : .gemma
    }
    if files.exists("vocab.json") && files.exists("merges.txt") { return .clip }
    throw TokenizerError.missingFiles(directory: directory.path)
  }

  /// Loads the tokenizer `kind(of:)` names.
  ///
  /// - Parameter maxLength: overrides `model_max_length`.
  public static func load(_ directory: URL, maxLength: Int? = nil) throws -> any TextTokenizer {
    switch try kind(of: directory) {
    case .clip: try CLIPTokenizer(directory: directory, maxLength: maxLength)
    case .siglip: try SiglipTokenizer(directory: directory, maxLength: maxLength)
    case .gemma: try GemmaTokenizer(directory: directory, lowercases: false, maxLength: maxLength)
    case .siglip2: try GemmaTokenizer(directory: directory, lowercases: true, maxLength: maxLength)
    }
  }
}
