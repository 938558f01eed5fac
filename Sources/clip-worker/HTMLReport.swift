import Foundation

/// The page that `--html FILE` writes for `classify` and `search`: one self-contained HTML file (inline CSS,
/// thumbnails as `data:` URIs, no script or style from elsewhere) that shows each result's thumbnail, path and
/// scores as bars with their numbers, under the query or the labels.
///
/// Every result carries its values in `data-` attributes (`data-rank`, `data-path`, `data-score` with the number
/// exactly as `--json` prints it, `data-label`), so that a program can read the page as a person reads the bars.
/// A small inline script records, once the page has loaded, each thumbnail's `naturalWidth`, `naturalHeight` and
/// `complete` in `data-natural-width`, `data-natural-height`, `data-complete` (what a headless browser's DOM dump
/// then shows).
struct HTMLReport {
  enum Kind: Equatable {
    /// One card per image, its labels ranked; bars on the 0...1 scale of the scores.
    case classify(labels: [String], template: String?)
    /// One ranked list; bars relative to the best score.
    case search(query: String, collection: String)
  }

  /// One score: the label (classify) and the number, with its JSON text.
  struct Score: Equatable {
    var label: String?
    var value: Double
    var json: String
  }

  /// One image's result.
  struct Entry: Equatable {
    var path: String
    var thumbnail: Result<ThumbnailMaker.Thumbnail, ThumbnailFailure>
    var scores: [Score]
  }

  var kind: Kind
  var entries: [Entry]
  /// Inputs with no result (classify): the name and why.
  var failures: [(name: String, reason: String)] = []
  var model: String

  /// The number of thumbnails the page holds.
  var thumbnailCount: Int { entries.filter { if case .success = $0.thumbnail { true } else { false } }.count }

  func render() -> String {
    var html = """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>\(htmlEscaped(title))</title>
      <style>\(Self.style)</style>
      </head>
      <body data-kind="\(kindName)">
      <header>
      <h1>\(htmlEscaped(title))</h1>

      """
    switch kind {
    case let .classify(labels, template):
      html += "<p class=\"query\">labels: "
        + labels.map { "<span class=\"label\">\(htmlEscaped($0))</span>" }.joined(separator: " ") + "</p>\n"
      if let template { html += "<p class=\"meta\">template: <code>\(htmlEscaped(template))</code></p>\n" }
    case let .search(query, collection):
      html += "<p class=\"query\">query: <q id=\"query\">\(htmlEscaped(query))</q></p>\n"
      html += "<p class=\"meta\">collection <code>\(htmlEscaped(collection))</code>, \(entries.count) results</p>\n"
    }
    html += "<p class=\"meta\">model <code>\(htmlEscaped(model))</code></p>\n</header>\n"
    switch kind {
    case .classify:
      html += "<main class=\"cards\">\n"
      for (index, entry) in entries.enumerated() {
        html += "<section class=\"result card\" data-rank=\"\(index + 1)\" data-path=\"\(htmlEscaped(entry.path))\">\n"
        html += thumbnailHTML(entry) + "<div class=\"body\">\n<p class=\"path\">\(htmlEscaped(entry.path))</p>\n"
        html += entry.scores.map { barHTML($0, fraction: min(max($0.value, 0), 1)) }.joined()
        html += "</div>\n</section>\n"
      }
      html += "</main>\n"
    case .search:
      let best = entries.compactMap(\.scores.first?.value).max() ?? 0
      html += "<ol class=\"ranked\">\n"
      for (index, entry) in entries.enumerated() {
        guard let score = entry.scores.first else { continue }
        let fraction = best > 0 ? min(max(score.value / best, 0), 1) : 0
        html += "<li class=\"result row\" data-rank=\"\(index + 1)\" data-path=\"\(htmlEscaped(entry.path))\""
          + " data-score=\"\(htmlEscaped(score.json))\">\n"
        html += "<span class=\"rank\">\(index + 1)</span>\n" + thumbnailHTML(entry)
        html += "<div class=\"body\">\n<p class=\"path\">\(htmlEscaped(entry.path))</p>\n"
        html += barHTML(score, fraction: fraction) + "</div>\n</li>\n"
      }
      html += "</ol>\n"
      if entries.isEmpty { html += "<p class=\"meta\">no results</p>\n" }
    }
    if !failures.isEmpty {
      html += "<section class=\"failures\">\n<h2>could not be used</h2>\n<ul>\n"
      for failure in failures {
        let name = htmlEscaped(failure.name)
        html += "<li data-path=\"\(name)\"><span class=\"path\">\(name)</span>: "
          + "\(htmlEscaped(failure.reason))</li>\n"
      }
      html += "</ul>\n</section>\n"
    }
    html += "<script>\(Self.script)</script>\n</body>\n</html>\n"
    return html
  }

  private var kindName: String {
    switch kind {
    case .classify: return "classify"
    case .search: return "search"
    }
  }

  private var title: String {
    switch kind {
    case .classify: return "clip-worker classify: \(entries.count) image\(entries.count == 1 ? "" : "s")"
    case let .search(query, _): return "clip-worker search: \(query)"
    }
  }

  private func thumbnailHTML(_ entry: Entry) -> String {
    switch entry.thumbnail {
    case let .success(thumbnail):
      return "<img class=\"thumb\" src=\"\(thumbnail.dataURI)\" alt=\"\(htmlEscaped(entry.path))\""
        + " data-width=\"\(thumbnail.width)\" data-height=\"\(thumbnail.height)\">\n"
    case let .failure(failure):
      return "<div class=\"thumb missing\" title=\"\(htmlEscaped(failure.reason))\">no thumbnail: "
        + "\(htmlEscaped(failure.reason))</div>\n"
    }
  }

  private func barHTML(_ score: Score, fraction: Double) -> String {
    let percent = String(format: "%.2f", fraction * 100)
    let number = String(format: "%.4f", score.value)
    var html = "<div class=\"score\""
    if let label = score.label { html += " data-label=\"\(htmlEscaped(label))\"" }
    html += " data-score=\"\(htmlEscaped(score.json))\">"
    if let label = score.label.map(htmlEscaped) { html += "<span class=\"name\" title=\"\(label)\">\(label)</span>" }
    html += "<span class=\"bar\"><span class=\"fill\" style=\"width: \(percent)%\"></span></span>"
    html += "<span class=\"number\">\(number)</span></div>\n"
    return html
  }

  private static let style = """

    body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d1d1f; background: #f6f6f4; }
    h1 { font-size: 20px; margin: 0 0 8px; } h2 { font-size: 16px; }
    .query { font-size: 16px; margin: 4px 0; } .meta { color: #666; margin: 2px 0; }
    .label { display: inline-block; background: #e3e8f0; border-radius: 4px; padding: 0 6px; margin: 2px 0; }
    .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 16px; margin-top: 16px; }
    .card { background: #fff; border-radius: 8px; padding: 12px; display: flex; gap: 12px; align-items: flex-start;
      box-shadow: 0 1px 3px rgba(0,0,0,.12); }
    .ranked { list-style: none; padding: 0; margin-top: 16px; }
    .row { background: #fff; border-radius: 8px; padding: 10px 12px; margin-bottom: 10px; display: flex; gap: 12px;
      align-items: center; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
    .rank { font-size: 18px; font-weight: 600; width: 2.5em; text-align: right; color: #555; }
    .thumb { flex: none; width: 160px; height: 160px; object-fit: contain; background: #eceae6; border-radius: 4px; }
    .missing { width: 160px; height: 60px; background: #eee; color: #900; font-size: 12px; padding: 4px;
      box-sizing: border-box; overflow: hidden; }
    .body { flex: 1; min-width: 0; }
    .path { font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; margin: 0 0 6px; }
    .score { display: flex; align-items: center; gap: 8px; margin: 3px 0; }
    .name { width: 9em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .bar { flex: 1; height: 12px; background: #e6e6e6; border-radius: 6px; overflow: hidden; }
    .fill { display: block; height: 100%; background: #3b7dd8; }
    .number { font-family: ui-monospace, monospace; width: 5.5em; text-align: right; }
    .failures li { color: #900; }
    .card .score { flex-wrap: wrap; gap: 2px 8px; margin: 6px 0; }
    .card .name { flex: 1; width: auto; }
    .card .bar { flex-basis: 100%; order: 3; height: 10px; }

    """

  // No `<` or `&` in here, so that the script needs no escaping inside the page.
  private static let script = """

    window.addEventListener("load", function () {
      var images = document.querySelectorAll("img.thumb");
      for (var i = 0; i != images.length; i++) {
        var image = images[i];
        image.setAttribute("data-natural-width", String(image.naturalWidth));
        image.setAttribute("data-natural-height", String(image.naturalHeight));
        image.setAttribute("data-complete", String(image.complete));
      }
      document.body.setAttribute("data-loaded", String(images.length));
    });

    """
}

/// `text` with `&`, `<`, `>`, `"` and `'` escaped, for HTML text and quoted attribute values alike.
func htmlEscaped(_ text: String) -> String {
  var result = ""
  result.reserveCapacity(text.utf8.count)
  for character in text.unicodeScalars {
    switch character {
    case "&": result += "&amp;"
    case "<": result += "&lt;"
    case ">": result += "&gt;"
    case "\"": result += "&quot;"
    case "'": result += "&#39;"
    default: result.unicodeScalars.append(character)
    }
  }
  return result
}
