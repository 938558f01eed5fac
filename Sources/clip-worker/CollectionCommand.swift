import Foundation
import JSONRPC

/// `clip-worker index DIR --collection NAME` and `clip-worker search "text" --collection NAME`: the `index` and
/// `search` methods run in-process, for a person at a terminal. The collection lives in the store directory
/// (`--store`), as the server's do; with `--store none` it would end with the command, so that is refused.
struct CollectionCommand: Equatable {
  enum Kind: String { case index, search }

  var kind: Kind
  var collection: String?
  /// index: the folders; search: the query text (one positional argument).
  var arguments: [String] = []
  var recursive = true
  var topK = 10
  var json = false
  /// search: also write the results as a self-contained HTML page to this file (`HTMLReport`).
  var html: String?

  init(kind: Kind) { self.kind = kind }

  /// Takes a flag of this command (with its value, inline or from `rest`); false if it is not one.
  mutating func accept(_ flag: CommandFlag, rest: inout ArraySlice<String>) throws(OptionsError) -> Bool {
    try flag.refuseInlineValue(for: ["--json", "--no-recursive"])
    switch (kind, flag.name) {
    case (_, "--collection"): collection = try flag.value(&rest)
    case (_, "--json"): json = true
    case (.index, "--no-recursive"): recursive = false
    case (.search, "--html"): html = try flag.value(&rest)
    case (.search, "--top-k"): topK = try Options.integer(try flag.value(&rest), flag: flag.name, minimum: 1)
    default: return false
    }
    return true
  }

  func validate(storeDirectory: String?) throws(OptionsError) {
    guard collection != nil else { throw .badCommand("\(kind.rawValue) needs --collection NAME") }
    guard storeDirectory != nil else {
      throw .badCommand("\(kind.rawValue) keeps collections in the store directory: it cannot run with --store none")
    }
    switch kind {
    case .index: guard !arguments.isEmpty else { throw .badCommand("index needs at least one DIR") }
    case .search: guard arguments.count == 1 else { throw .badCommand("search needs exactly one query text") }
    }
  }

  /// The method calls this command makes, in order.
  var requests: [(method: String, params: JSONValue)] {
    let name = JSONValue.string(collection ?? "")
    switch kind {
    case .index:
      return arguments.map { folder in
        ("index", ["collection": name, "folder": ["path": .string(folder), "recursive": .bool(recursive)]])
      }
    case .search:
      return [("search", ["collection": name, "query": ["text": .string(arguments[0])], "topK": JSONValue(topK)])]
    }
  }

  /// What is printed for the results: index, one summary line per folder (the result as JSON with `--json`) and
  /// each failed file on stderr; search, one line per entry, the score with 4 decimals then the path (the result
  /// as JSON with `--json`).
  func render(_ results: [JSONValue]) -> String {
    if json { return results.map(\.description).joined(separator: "\n") }
    switch kind {
    case .index:
      return zip(arguments, results).map { folder, result in
        func count(_ key: String) -> String { result[key]?.description ?? "?" }
        let failed = result["failed"]?.arrayValue?.count ?? 0
        return "\(folder): \(count("added")) added, \(count("updated")) updated, \(count("removed")) removed, "
          + "\(count("unchanged")) unchanged, \(failed) failed"
      }.joined(separator: "\n")
    case .search:
      return (results.first?.arrayValue ?? []).map { entry in
        String(format: "%.4f", entry["score"]?.numberValue?.doubleValue ?? .nan) + "  "
          + (entry["path"]?.stringValue ?? "")
      }.joined(separator: "\n")
    }
  }

  static func usage(_ kind: Kind) -> [String] {
    switch kind {
    case .index:
      return [
        "usage: clip-worker index DIR... --collection NAME [--no-recursive] [--json] [options]",
        "",
        "Adds the image files of each DIR (png, jpg, jpeg, gif, bmp; recursively) to the collection NAME in the",
        "store directory, or brings it up to date: new files are embedded, changed ones again, gone ones dropped;",
        "unchanged ones are not read. Shows progress on stderr at a terminal; prints a summary line per DIR.",
        "",
        Options.helpLine("  --collection NAME", "the collection (letters, digits, - _ .)"),
        Options.helpLine("  --no-recursive", "only the files directly in DIR"),
        Options.helpLine("  --json", "print the index method's result as JSON"),
      ]
    case .search:
      return [
        "usage: clip-worker search TEXT --collection NAME [--top-k N] [--json] [--html FILE] [options]",
        "",
        "The entries of the collection NAME most similar to TEXT, by cosine: one line each, best first, the",
        "score (4 decimals) and the path.",
        "",
        Options.helpLine("  --collection NAME", "the collection made by clip-worker index"),
        Options.helpLine("  --top-k N", "how many entries (default 10)"),
        Options.helpLine("  --json", "print the search method's result as JSON"),
        Options.helpLine("  --html FILE", "also write a self-contained page: the ranked thumbnails, the"),
        Options.helpLine("", "scores as bars (stdout unchanged)"),
      ]
    }
  }
}
