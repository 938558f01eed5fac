import Foundation
import JSONRPC

/// `clip-worker classify` and `clip-worker embed`: one request to the worker's methods, run in-process
/// (`Session`), its result printed on stdout for a person at a terminal or a shell pipeline.
///
/// The command only builds the method's params and formats its result; the method does the work, so the
/// numbers are those the server would send for the same inputs.
struct OneShotCommand: Equatable {
  enum Kind: String { case classify, embed }

  var kind: Kind
  /// Image paths (positional arguments).
  var images: [String] = []
  /// classify: the candidate labels (`--labels "a,b"`, or the flag repeated).
  var labels: [String] = []
  var template: String?
  var topK: Int?
  /// embed: texts (`--text T`, repeatable).
  var texts: [String] = []
  var normalize = true
  /// Print the method's result as JSON rather than a table or plain numbers.
  var json = false

  init(kind: Kind) { self.kind = kind }

  /// Takes a flag of this command (with its value from `inlineValue` or `rest`); false if it is not one.
  mutating func accept(flag: String, inlineValue: String?, rest: inout ArraySlice<String>) throws -> Bool {
    func value() throws -> String {
      guard let value = inlineValue ?? rest.popFirst() else { throw OptionsError.missingValue(flag: flag) }
      return value
    }
    let switches = ["--json", "--no-normalize"]
    if let inlineValue, switches.contains(flag) { throw OptionsError.invalidValue(flag: flag, value: inlineValue) }
    switch (kind, flag) {
    case (_, "--json"): json = true
    case (.classify, "--labels"):
      labels += try value().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
        !$0.isEmpty
      }
    case (.classify, "--template"): template = try value()
    case (.classify, "--top-k"): topK = try Options.integer(try value(), flag: flag, minimum: 1)
    case (.embed, "--text"): texts.append(try value())
    case (.embed, "--no-normalize"): normalize = false
    default: return false
    }
    return true
  }

  /// Checks that the arguments make one request.
  func validate() throws(OptionsError) {
    switch kind {
    case .classify:
      guard !images.isEmpty else { throw .badCommand("classify needs at least one IMAGE") }
      guard !labels.isEmpty else { throw .badCommand("classify needs --labels, e.g. --labels \"cat,dog\"") }
    case .embed:
      guard images.isEmpty != texts.isEmpty else {
        throw .badCommand("embed takes either IMAGE arguments or --text options (one kind per run)")
      }
    }
  }

  /// The method and params this command runs. One image is classified with `image` (one ranked list),
  /// several with `images` (a list per image), as a client would ask.
  var request: (method: String, params: JSONValue) {
    let inputs = JSONValue.array(images.map { ["path": .string($0)] })
    switch kind {
    case .classify:
      var params: JSONObject = ["labels": .array(labels.map { .string($0) })]
      if images.count == 1 { params["image"] = inputs[0]! } else { params["images"] = inputs }
      if let template { params["template"] = .string(template) }
      if let topK { params["topK"] = JSONValue(topK) }
      return ("classify", .object(params))
    case .embed:
      if texts.isEmpty { return ("encodeImage", ["images": inputs, "normalize": .bool(normalize)]) }
      return ("encodeText", ["texts": .array(texts.map { .string($0) }), "normalize": .bool(normalize)])
    }
  }

  /// The text printed for the method's `result`.
  ///
  /// classify: with `--json` the result as is; else per image its path, then one line per label, best first:
  /// the score with 4 decimals, then the label. embed: one line per input, in order: a JSON array with
  /// `--json`, else the numbers separated by spaces (both written exactly as the server writes them).
  func render(_ result: JSONValue) -> String {
    switch kind {
    case .classify:
      if json { return result.description }
      let lists = images.count == 1 ? [result] : (result.arrayValue ?? [])
      var lines: [String] = []
      for (image, list) in zip(images, lists) {
        lines.append(image)
        for entry in list.arrayValue ?? [] {
          let score = entry["score"]?.numberValue?.doubleValue ?? .nan
          lines.append("  " + String(format: "%.4f", score) + "  " + (entry["label"]?.stringValue ?? ""))
        }
      }
      return lines.joined(separator: "\n")
    case .embed:
      let vectors = result["embeddings"]?.arrayValue ?? []
      return vectors.map { vector in
        json ? vector.description : (vector.arrayValue ?? []).map(\.description).joined(separator: " ")
      }.joined(separator: "\n")
    }
  }

  static func usage(_ kind: Kind) -> [String] {
    switch kind {
    case .classify:
      return [
        "usage: clip-worker classify IMAGE... --labels \"cat,dog\" [--template T] [--top-k N] [--json] [options]",
        "",
        "Zero-shot classification of each IMAGE against the labels, as the classify method computes it, without",
        "a server. Prints, per image, its path and one line per label, best first: the score (4 decimals) and",
        "the label; with --json, the classify method's result.",
        "",
        Options.helpLine("  --labels L", "comma-separated candidate labels (may be repeated)"),
        Options.helpLine("  --template T", "{} marks the label (default \"This is a photo of {}.\")"),
        Options.helpLine("  --top-k N", "only the N best labels"),
        Options.helpLine("  --json", "print the classify method's result as JSON"),
        "",
        "exit codes: 0 done, 1 the model or an image could not be used (message on stderr), 2 bad arguments.",
      ]
    case .embed:
      return [
        "usage: clip-worker embed IMAGE... [--json] [--no-normalize] [options]",
        "       clip-worker embed --text T [--text T2]... [--json] [--no-normalize] [options]",
        "",
        "Embeds each IMAGE (encodeImage) or each text (encodeText), as the methods compute them, without a",
        "server. Prints one line per input, in order: the numbers separated by spaces, or a JSON array.",
        "",
        Options.helpLine("  --text T", "a text to embed (repeatable); not combined with IMAGE arguments"),
        Options.helpLine("  --json", "one JSON array per line"),
        Options.helpLine("  --no-normalize", "the raw projection, not scaled to unit length"),
        "",
        "exit codes: 0 done, 1 the model or an image could not be used (message on stderr), 2 bad arguments.",
      ]
    }
  }
}
