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
  /// Stop at the first input that cannot be used, printing no results (else: every good input's result,
  /// one stderr line per bad one, exit code 1).
  var failFast = false
  /// classify: also write the results as a self-contained HTML page to this file (`HTMLReport`).
  var html: String?

  init(kind: Kind) { self.kind = kind }

  /// Takes a flag of this command (with its value, inline or from `rest`); false if it is not one.
  mutating func accept(_ flag: CommandFlag, rest: inout ArraySlice<String>) throws(OptionsError) -> Bool {
    try flag.refuseInlineValue(for: ["--json", "--no-normalize", "--fail-fast"])
    switch (kind, flag.name) {
    case (_, "--json"): json = true
    case (_, "--fail-fast"): failFast = true
    case (.classify, "--label"): labels.append(try flag.value(&rest))
    case (.classify, "--labels-file"): labels += try Self.labels(fromFile: try flag.value(&rest))
    case (.classify, "--labels"):
      labels += try flag.value(&rest).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
        !$0.isEmpty
      }
    case (.classify, "--template"): template = try flag.value(&rest)
    case (.classify, "--html"): html = try flag.value(&rest)
    case (.classify, "--top-k"): topK = try Options.integer(try flag.value(&rest), flag: flag.name, minimum: 1)
    case (.embed, "--text"): texts.append(try flag.value(&rest))
    case (.embed, "--no-normalize"): normalize = false
    default: return false
    }
    return true
  }

  /// The labels of a `--labels-file`: one per line, trimmed, blank lines skipped. Throws when the file cannot
  /// be read or holds no label.
  static func labels(fromFile path: String) throws(OptionsError) -> [String] {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw .badCommand("--labels-file \(path): cannot read the file")
    }
    let labels = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
      .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    guard !labels.isEmpty else { throw .badCommand("--labels-file \(path): no labels (one label per line)") }
    return labels
  }

  /// Checks that the arguments make a request.
  func validate() throws(OptionsError) {
    if images.filter({ $0 == "-" }).count + texts.filter({ $0 == "-" }).count > 1 {
      throw .badCommand("- (stdin) may be given once")
    }
    switch kind {
    case .classify:
      guard !images.isEmpty else {
        throw .badCommand(
          "no input given: classify needs at least one IMAGE (a file, a folder, or - for image bytes on stdin)")
      }
      guard !labels.isEmpty else {
        throw .badCommand("classify needs --labels, e.g. --labels \"cat,dog\" (or --label L, --labels-file F)")
      }
    case .embed:
      guard !(images.isEmpty && texts.isEmpty) else {
        throw .badCommand(
          "no input given: embed takes either IMAGE arguments or --text options (IMAGE may be a folder, or - for"
            + " image bytes on stdin; --text - reads texts from stdin, one a line)")
      }
      guard images.isEmpty || texts.isEmpty else {
        throw .badCommand("embed takes either IMAGE arguments or --text options (one kind per run)")
      }
    }
  }

  /// The method and params for some of the inputs (always a list: `images` or `texts`).
  func request(for inputs: [OneShotInput]) -> (method: String, params: JSONValue) {
    let elements = JSONValue.array(inputs.map(\.param))
    switch kind {
    case .classify:
      var params: JSONObject = ["labels": .array(labels.map { .string($0) }), "images": elements]
      if let template { params["template"] = .string(template) }
      if let topK { params["topK"] = JSONValue(topK) }
      return ("classify", .object(params))
    case .embed:
      if texts.isEmpty { return ("encodeImage", ["images": elements, "normalize": .bool(normalize)]) }
      return ("encodeText", ["texts": elements, "normalize": .bool(normalize)])
    }
  }

  /// The result of `request(for:)` split into one value per input: a ranked list (classify) or a vector.
  func perInput(_ result: JSONValue) -> [JSONValue] {
    switch kind {
    case .classify: return result.arrayValue ?? []
    case .embed: return result["embeddings"]?.arrayValue ?? []
    }
  }

  /// The lines printed for one input's value, as `render` prints them (classify without `--json`: the name,
  /// then the ranked labels; embed: one line).
  func renderOne(name: String, _ value: JSONValue) -> String {
    switch kind {
    case .classify:
      if json { return value.description }
      var lines = [name]
      for entry in value.arrayValue ?? [] {
        let score = entry["score"]?.numberValue?.doubleValue ?? .nan
        lines.append("  " + String(format: "%.4f", score) + "  " + (entry["label"]?.stringValue ?? ""))
      }
      return lines.joined(separator: "\n")
    case .embed:
      return json ? value.description : (value.arrayValue ?? []).map(\.description).joined(separator: " ")
    }
  }

  static func usage(_ kind: Kind) -> [String] {
    switch kind {
    case .classify:
      return [
        "usage: clip-worker classify IMAGE... --labels \"cat,dog\" [--template T] [--top-k N] [--json] [--html FILE]",
        "                           [options]",
        "",
        "Zero-shot classification of each IMAGE against the labels, as the classify method computes it, without",
        "a server. Prints, per image, its path and one line per label, best first: the score (4 decimals) and",
        "the label; with --json, the classify method's result (null for an image that could not be used).",
        "An IMAGE may be a folder (its .png .jpg .jpeg .gif .bmp files, recursively, sorted by path; a bar on",
        "stderr when it is a terminal) or - (the image's bytes on stdin). Relative paths resolve against the",
        "current directory. An image that cannot be used gets one line on stderr; the others are still printed.",
        "",
        Options.helpLine("  --labels L", "comma-separated candidate labels (may be repeated)"),
        Options.helpLine("  --label L", "one candidate label, may contain commas (repeatable)"),
        Options.helpLine("  --labels-file F", "candidate labels, one per line (blank lines skipped)"),
        Options.helpLine("  --template T", "{} marks the label (default \"This is a photo of {}.\")"),
        Options.helpLine("  --top-k N", "only the N best labels"),
        Options.helpLine("  --json", "print the classify method's result as JSON"),
        Options.helpLine("  --html FILE", "also write a self-contained page: a card per image, its thumbnail"),
        Options.helpLine("", "and its labels' scores as bars (stdout unchanged)"),
        Options.helpLine("  --fail-fast", "stop at the first image that cannot be used, printing no results"),
        "",
        "exit codes: 0 done, 1 the model or any image could not be used (messages on stderr), 2 bad arguments.",
      ]
    case .embed:
      return [
        "usage: clip-worker embed IMAGE... [--json] [--no-normalize] [options]",
        "       clip-worker embed --text T [--text T2]... [--json] [--no-normalize] [options]",
        "",
        "Embeds each IMAGE (encodeImage) or each text (encodeText), as the methods compute them, without a",
        "server. Prints one line per input, in order: the numbers separated by spaces, or a JSON array.",
        "An IMAGE may be a folder (its .png .jpg .jpeg .gif .bmp files, recursively, sorted by path; a bar on",
        "stderr when it is a terminal) or - (the image's bytes on stdin); --text - reads texts from stdin, one",
        "a line. Relative paths resolve against the current directory. An image that cannot be used gets one",
        "line on stderr (its path and why) and no output line; the others are still printed.",
        "",
        Options.helpLine("  --text T", "a text to embed (repeatable); not combined with IMAGE arguments"),
        Options.helpLine("  --json", "one JSON array per line"),
        Options.helpLine("  --no-normalize", "the raw projection, not scaled to unit length"),
        Options.helpLine("  --fail-fast", "stop at the first image that cannot be used, printing no results"),
        "",
        "exit codes: 0 done, 1 the model or any image could not be used (messages on stderr), 2 bad arguments.",
      ]
    }
  }
}
