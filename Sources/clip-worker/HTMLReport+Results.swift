import Foundation
import JSONRPC

/// The reports of the one-shot commands' results, and writing them.
extension HTMLReport {
  /// classify's page: one card per image that has a result (in input order), its ranked labels as bars.
  static func classify(
    _ command: OneShotCommand, inputs: [OneShotInput], values: [JSONValue], failures: [(name: String, reason: String)],
    thumbnails maker: ThumbnailMaker, model: String
  ) -> HTMLReport {
    let used = inputs.indices.filter { values[$0] != .null }
    let sources = used.map { index -> ThumbnailMaker.Source in
      let param = inputs[index].param
      if let data = param["data"]?.stringValue, let bytes = Data(base64Encoded: data) { return .bytes([UInt8](bytes)) }
      return .path(param["path"]?.stringValue ?? inputs[index].name)
    }
    let thumbnails = maker.make(sources)
    let entries = zip(used, thumbnails).map { index, thumbnail in
      Entry(path: inputs[index].name, thumbnail: thumbnail, scores: scores(values[index], labelled: true))
    }
    return HTMLReport(
      kind: .classify(labels: command.labels, template: command.template), entries: entries, failures: failures,
      model: model)
  }

  /// search's page: the ranked list, best first. An entry indexed from bytes (`sha256:...`) has no file to show; nor
  /// has one whose file was deleted since it was indexed (the collection keeps it until the next `index`): both get
  /// a placeholder saying why.
  static func search(_ command: CollectionCommand, result: JSONValue, thumbnails maker: ThumbnailMaker, model: String)
    -> HTMLReport
  {
    let rows = result.arrayValue ?? []
    let paths = rows.map { $0["path"]?.stringValue ?? "" }
    let sources = paths.map { ThumbnailMaker.Source.path($0) }
    var thumbnails = maker.make(sources)
    for (index, path) in paths.enumerated() {
      if path.hasPrefix("sha256:") {
        thumbnails[index] = .failure(ThumbnailFailure(reason: "indexed from bytes: no file"))
      } else if !FileManager.default.fileExists(atPath: path) {
        thumbnails[index] = .failure(ThumbnailFailure(reason: "the file is gone (index again to drop it)"))
      }
    }
    let entries = zip(rows, zip(paths, thumbnails)).map { row, pair in
      Entry(path: pair.0, thumbnail: pair.1, scores: scores(row, labelled: false))
    }
    return HTMLReport(
      kind: .search(query: command.arguments.first ?? "", collection: command.collection ?? ""), entries: entries,
      model: model)
  }

  /// The scores of a classify ranking (`[{label, score}]`) or of one search row (`{path, score}`).
  private static func scores(_ value: JSONValue, labelled: Bool) -> [Score] {
    func score(_ entry: JSONValue) -> Score {
      let number = entry["score"]
      return Score(
        label: labelled ? entry["label"]?.stringValue ?? "" : nil, value: number?.numberValue?.doubleValue ?? .nan,
        json: number?.description ?? "null")
    }
    return labelled ? (value.arrayValue ?? []).map(score) : [score(value)]
  }

  /// Writes the page to `path` (relative to the current directory) and says on stderr where it went; false (with
  /// the reason on stderr) when it could not be written.
  func write(to path: String) -> Bool {
    let url = URL(fileURLWithPath: path)
    do {
      try Data(render().utf8).write(to: url, options: .atomic)
    } catch {
      standardError("clip-worker: cannot write the HTML page \(path): \(error.localizedDescription)")
      return false
    }
    let missing = entries.count - thumbnailCount
    standardError(
      "clip-worker: wrote the HTML page \(url.standardizedFileURL.path) (\(entries.count) results, "
        + "\(thumbnailCount) thumbnails\(missing > 0 ? ", \(missing) without" : ""))")
    return true
  }
}
