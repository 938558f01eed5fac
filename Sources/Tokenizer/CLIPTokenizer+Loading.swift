import Foundation

extension CLIPTokenizer {
  /// Loads the tokenizer of a Hugging Face model directory, as transformers 5 does for CLIP.
  ///
  /// The vocabulary and merges come from `tokenizer.json` when present (transformers prefers it), else from
  /// `vocab.json` and `merges.txt`. Added tokens come from `tokenizer.json`'s `added_tokens`, overridden by
  /// `tokenizer_config.json`'s `added_tokens_decoder` (with their `normalized` flag); the special tokens named in
  /// `tokenizer_config.json` (else `special_tokens_map.json`, else CLIP's defaults) are added if missing. The
  /// normalizer and pre-tokenizer are always CLIP's, whatever `tokenizer.json` says, as transformers'
  /// `CLIPTokenizer` rebuilds them too.
  ///
  /// - Parameter maxLength: overrides `model_max_length`; without either, 77. (transformers would not truncate
  ///   without `model_max_length`; CLIP's text model cannot take more than its 77 positions.)
  /// - Throws: `TokenizerError` naming the file and what is wrong with it.
  public init(directory: URL, maxLength: Int? = nil) throws {
    let files = ModelFiles(directory: directory)
    let config = try files.object("tokenizer_config.json") ?? [:]
    let specialMap = try files.object("special_tokens_map.json") ?? [:]

    let vocabulary: [String: Int]
    let merges: [(String, String)]
    var added: [AddedToken] = []
    if let tokenizerJSON = try files.object("tokenizer.json") {
      let path = files.path("tokenizer.json")
      guard let model = tokenizerJSON["model"] as? [String: Any] else {
        throw TokenizerError.invalidJSON(path: path, reason: "no \"model\" object")
      }
      if let type = model["type"] as? String, type != "BPE" { throw TokenizerError.unsupportedModel(type: type) }
      vocabulary = try Self.vocabulary(model["vocab"], path: path)
      merges = try Self.merges(fromJSON: model["merges"], path: path)
      if let list = tokenizerJSON["added_tokens"] {
        guard let list = list as? [Any] else {
          throw TokenizerError.invalidJSON(path: path, reason: "\"added_tokens\" is not an array")
        }
        for entry in list { added.append(try Self.addedToken(entry, id: nil, path: path)) }
      }
    } else if files.exists("vocab.json"), files.exists("merges.txt") {
      vocabulary = try Self.vocabulary(try files.object("vocab.json"), path: files.path("vocab.json"))
      merges = try Self.merges(fromText: try files.data("merges.txt"), path: files.path("merges.txt"))
    } else {
      throw TokenizerError.missingFiles(directory: directory.path)
    }

    let configPath = files.path("tokenizer_config.json")
    if let decoder = config["added_tokens_decoder"] {
      guard let entries = decoder as? [String: Any] else {
        throw TokenizerError.invalidJSON(path: configPath, reason: "\"added_tokens_decoder\" is not an object")
      }
      for (key, entry) in entries.sorted(by: { $0.key < $1.key }) {
        guard let id = Int(key) else {
          throw TokenizerError.invalidJSON(path: configPath, reason: "added token id \(key.debugDescription)")
        }
        // Listed here, a token overrides tokenizer.json's entry for it, as in transformers.
        let token = try Self.addedToken(entry, id: id, path: configPath)
        added.removeAll { $0.content == token.content }
        added.append(token)
      }
    }

    /// A special token's content, and its `normalized` flag when it is given as a token object.
    func special(_ key: String) throws -> (content: String, normalized: Bool?)? {
      for (object, path) in [(config, configPath), (specialMap, files.path("special_tokens_map.json"))] {
        guard let value = object[key], !(value is NSNull) else { continue }
        if let content = value as? String { return (content, nil) }
        if let token = value as? [String: Any], let content = token["content"] as? String {
          return (content, token["normalized"] as? Bool ?? false)
        }
        throw TokenizerError.invalidJSON(path: path, reason: "\"\(key)\" is neither a string nor a token object")
      }
      return nil
    }
    let bos = try special("bos_token") ?? ("<|startoftext|>", nil)
    let eos = try special("eos_token") ?? ("<|endoftext|>", nil)
    let unk = try special("unk_token") ?? ("<|endoftext|>", nil)
    let pad = try special("pad_token") ?? (eos.content, nil)
    // A special token missing from the added tokens above is added. transformers 5 then matches it unnormalized,
    // unless it is declared as a token object marked normalized: the first such declaration in the order pad,
    // eos, unk, bos decides, and an eos token object always makes it unnormalized. Measured on the fixture
    // script's `config_variants`, checked by `hubTokenizerConfigsMatchReference`.
    let declarations = [(pad, true), (eos, false), (unk, true), (bos, true)]
    for special in [bos, eos, unk, pad] where !added.contains(where: { $0.content == special.content }) {
      guard let id = vocabulary[special.content] else { continue }
      let declared = declarations.first { $0.0.content == special.content && $0.0.normalized != nil }
      let normalized = declared.map { $0.1 && $0.0.normalized == true } ?? false
      added.append(AddedToken(content: special.content, id: id, normalized: normalized))
    }

    let length: Int
    if let maxLength {
      length = maxLength
    } else if let value = config["model_max_length"] {
      guard let number = value as? Int else {
        throw TokenizerError.invalidMaxLength(String(describing: value))
      }
      length = number
    } else {
      length = 77
    }
    try self.init(
      vocabulary: vocabulary, merges: merges, addedTokens: added,
      bosToken: bos.content, eosToken: eos.content, unknownToken: unk.content, padToken: pad.content,
      maxLength: length)
  }

  private static func vocabulary(_ json: Any?, path: String) throws -> [String: Int] {
    guard let object = json as? [String: Any] else {
      throw TokenizerError.invalidJSON(path: path, reason: "the vocabulary is not an object of token ids")
    }
    var vocabulary: [String: Int] = [:]
    vocabulary.reserveCapacity(object.count)
    for (token, value) in object {
      guard let id = value as? Int else {
        throw TokenizerError.invalidJSON(path: path, reason: "the id of \(token.debugDescription) is not an integer")
      }
      vocabulary[token] = id
    }
    return vocabulary
  }

  /// Parses `merges.txt` as the reference's `BPE::read_file`: `#version` lines are skipped, every other line
  /// must be exactly two tokens separated by one space; a final newline ends the file.
  static func merges(fromText data: Data, path: String) throws -> [(String, String)] {
    guard let text = String(data: data, encoding: .utf8) else {
      throw TokenizerError.unreadableFile(path: path, reason: "not UTF-8")
    }
    var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
    if lines.last?.isEmpty == true { lines.removeLast() }
    var merges: [(String, String)] = []
    merges.reserveCapacity(lines.count)
    for (number, var line) in zip(1..., lines) {
      if line.last == "\r" { line.removeLast() }
      if line.starts(with: "#version".unicodeScalars) { continue }
      merges.append(try merge(line, path: path, line: number))
    }
    return merges
  }

  /// Parses `model.merges` of `tokenizer.json`: "left right" strings or [left, right] pairs.
  private static func merges(fromJSON json: Any?, path: String) throws -> [(String, String)] {
    guard let entries = json as? [Any] else {
      throw TokenizerError.invalidJSON(path: path, reason: "\"model.merges\" is not an array")
    }
    return try zip(1..., entries).map { number, entry in
      if let text = entry as? String { return try merge(Substring(text).unicodeScalars, path: path, line: number) }
      if let pair = entry as? [Any], pair.count == 2, let left = pair[0] as? String, let right = pair[1] as? String {
        return (left, right)
      }
      throw TokenizerError.invalidMerge(path: path, line: number, text: String(describing: entry))
    }
  }

  private static func merge(_ line: Substring.UnicodeScalarView, path: String, line number: Int) throws
    -> (String, String) {
    let parts = line.split(separator: " ", omittingEmptySubsequences: false)
    guard parts.count == 2 else {
      throw TokenizerError.invalidMerge(path: path, line: number, text: String(String.UnicodeScalarView(line)))
    }
    return (String(String.UnicodeScalarView(parts[0])), String(String.UnicodeScalarView(parts[1])))
  }

  /// An entry of `added_tokens` (which carries its id) or of `added_tokens_decoder` (keyed by id).
  private static func addedToken(_ json: Any, id: Int?, path: String) throws -> AddedToken {
    guard let object = json as? [String: Any], let content = object["content"] as? String,
          let id = id ?? object["id"] as? Int
    else { throw TokenizerError.invalidJSON(path: path, reason: "an added token lacks its content or id") }
    for option in ["lstrip", "rstrip", "single_word"] where object[option] as? Bool == true {
      throw TokenizerError.unsupportedAddedToken(content: content, option: option)
    }
    return AddedToken(content: content, id: id, normalized: object["normalized"] as? Bool ?? false)
  }
}

/// The files of a model directory, read with errors that name them.
struct ModelFiles {
  let directory: URL

  func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

  func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

  func data(_ name: String) throws -> Data {
    do {
      return try Data(contentsOf: directory.appendingPathComponent(name))
    } catch {
      throw TokenizerError.unreadableFile(path: path(name), reason: error.localizedDescription)
    }
  }

  /// The file's top-level JSON object, or nil when the file does not exist.
  func object(_ name: String) throws -> [String: Any]? {
    guard exists(name) else { return nil }
    let json: Any
    do {
      json = try JSONSerialization.jsonObject(with: try data(name))
    } catch let error as TokenizerError {
      throw error
    } catch {
      throw TokenizerError.invalidJSON(path: path(name), reason: error.localizedDescription)
    }
    guard let object = json as? [String: Any] else {
      throw TokenizerError.invalidJSON(path: path(name), reason: "the top level is not an object")
    }
    return object
  }
}
