import Foundation
import ImageCodecs
import JSONRPC
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A folder of images for the `--html` tests, in its own temporary directory with its own store: the worker's
/// fixtures, a 300×200 BMP (so that one thumbnail is really shrunk), and one file whose folder and name hold `<`,
/// `&` and both quotes. `indexed()` has run `clip-worker index` on it.
struct HTMLReportFixture {
  let root: URL
  let images: URL
  let store: URL
  let model = WorkerProcess.tinyCLIP.path

  /// The thumbnail each image should get (file name → width × height): fitted in 160 px, never enlarged, the JPEG
  /// turned upright by its EXIF orientation (36×20 stored, shown 20×36).
  static let thumbnailSizes: [String: (Int, Int)] = [
    "gradient-64x64.png": (64, 64), "noise-23x51.png": (23, 51), "oriented-36x20.jpg": (20, 36),
    "n<&\"'.png": (40, 30), "large-300x200.bmp": (160, 107),
  ]
  static let oddFolder = "we<ird & \"q\" 'x'"

  init(_ name: String) throws {
    root = FileManager.default.temporaryDirectory
      .appendingPathComponent("clip-worker-html-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    images = root.appendingPathComponent("images")
    store = root.appendingPathComponent("store")
    let odd = images.appendingPathComponent(Self.oddFolder)
    try FileManager.default.createDirectory(at: odd, withIntermediateDirectories: true)
    let source = WorkerProcess.fixtures.appendingPathComponent("images")
    for name in ["gradient-64x64.png", "noise-23x51.png", "oriented-36x20.jpg"] {
      try FileManager.default.copyItem(
        at: source.appendingPathComponent(name), to: images.appendingPathComponent(name))
    }
    try FileManager.default.copyItem(
      at: source.appendingPathComponent("noise-40x30.png"), to: odd.appendingPathComponent("n<&\"'.png"))
    let pixels = (0..<(300 * 200)).flatMap { index -> [UInt8] in
      let x = index % 300, y = index / 300
      return [UInt8(x * 255 / 299), UInt8(y * 255 / 199), UInt8((x / 20 + y / 20) % 2 * 200)]
    }
    let large = BMP.encode(RGBImage(width: 300, height: 200, pixels: pixels))
    try Data(large).write(to: images.appendingPathComponent("large-300x200.bmp"))
  }

  func remove() { try? FileManager.default.removeItem(at: root) }

  var common: [String] { ["--model", model, "--store", store.path] }

  /// Runs `clip-worker index` on the folder; fails the test unless it indexed all 5 images.
  func index() async throws {
    let (code, summary, errors) = try await WorkerProcess.run(["index", images.path, "--collection", "pics"] + common)
    try #require(code == 0, "\(errors)")
    try #require(summary.contains("5 added"), "\(summary)")
  }

  /// The expected thumbnail size of a path, by its file name.
  static func thumbnailSize(of path: String) -> (Int, Int)? {
    thumbnailSizes[URL(fileURLWithPath: path).lastPathComponent]
  }

  /// The image in an `<img src="data:image/bmp;base64,...">`, decoded by our decoder.
  static func decodeThumbnail(_ source: String) throws -> RGBImage {
    let prefix = "data:image/bmp;base64,"
    try #require(source.hasPrefix(prefix), "not an inline BMP: \(source.prefix(40))")
    let bytes = try #require(Data(base64Encoded: String(source.dropFirst(prefix.count))))
    return try decodeImage([UInt8](bytes))
  }
}

extension HTMLReportFixture {
  /// The page (or a browser's DOM of it) shows search's `--json` result: one row per entry, in its order, with its
  /// path and its score exactly as the JSON has it (and with 4 decimals on the screen); one inline thumbnail each,
  /// of the expected size. Returns the thumbnails' `<img>` elements.
  @discardableResult
  static func checkSearch(_ page: HTMLScanner, json: JSONValue, source: SourceLocation = #_sourceLocation) throws
    -> [HTMLScanner.Element]
  {
    let expected = try #require(json.arrayValue, sourceLocation: source)
    let rows = page.elements(withClass: "result")
    try #require(rows.count == expected.count, "rows \(rows.count), JSON \(expected.count)", sourceLocation: source)
    for (rank, (row, entry)) in zip(rows, expected).enumerated() {
      #expect(row.name == "li", sourceLocation: source)
      #expect(row.attributes["data-rank"] == "\(rank + 1)", sourceLocation: source)
      #expect(row.attributes["data-path"] == entry["path"]?.stringValue, sourceLocation: source)
      #expect(row.attributes["data-score"] == entry["score"]?.description, sourceLocation: source)
    }
    let bars = page.elements(withClass: "score")
    #expect(
      bars.map { $0.attributes["data-score"] } == expected.map { $0["score"]?.description }, sourceLocation: source)
    let numbers = page.elements(withClass: "number").map(\.text)
    #expect(
      numbers == expected.map { String(format: "%.4f", $0["score"]?.numberValue?.doubleValue ?? .nan) },
      sourceLocation: source)
    let thumbnails = page.elements.filter { $0.name == "img" }
    try #require(thumbnails.count == expected.count, sourceLocation: source)
    for (thumbnail, entry) in zip(thumbnails, expected) {
      try checkThumbnail(thumbnail, path: entry["path"]?.stringValue ?? "", source: source)
    }
    return thumbnails
  }

  /// The page (or its DOM) shows classify's `--json` result (a list per input, null for one that failed): one card
  /// per image with a result, in input order, named as given, its labels and scores in the JSON's order and
  /// numbers; a thumbnail each; each failed input listed. Returns the thumbnails' `<img>` elements.
  @discardableResult
  static func checkClassify(
    _ page: HTMLScanner, json: JSONValue, names: [String], failed: [String], source: SourceLocation = #_sourceLocation
  ) throws -> [HTMLScanner.Element] {
    let perInput = try #require(json.arrayValue, sourceLocation: source)
    try #require(perInput.count == names.count + failed.count, sourceLocation: source)
    let expected = perInput.filter { $0 != .null }
    try #require(expected.count == names.count, sourceLocation: source)
    let cards = page.elements(withClass: "card")
    try #require(cards.count == names.count, sourceLocation: source)
    #expect(cards.map { $0.attributes["data-path"] } == names, sourceLocation: source)
    // Each card's bars, in document order: the cards' bars follow one another.
    var bars = page.elements(withClass: "score")[...]
    for ranking in expected {
      let labels = try #require(ranking.arrayValue, sourceLocation: source)
      let shown = bars.prefix(labels.count)
      bars = bars.dropFirst(labels.count)
      #expect(
        shown.map { $0.attributes["data-label"] } == labels.map { $0["label"]?.stringValue }, sourceLocation: source)
      #expect(
        shown.map { $0.attributes["data-score"] } == labels.map { $0["score"]?.description }, sourceLocation: source)
    }
    #expect(bars.isEmpty, sourceLocation: source)
    let shownLabels = page.elements(withClass: "name").map(\.text)
    let allLabels = expected.flatMap { ($0.arrayValue ?? []).map { $0["label"]?.stringValue ?? "?" } }
    #expect(shownLabels == allLabels, sourceLocation: source)
    let failures = page.elements.filter { $0.name == "li" && $0.attributes["data-path"] != nil }
    #expect(failures.map { $0.attributes["data-path"] } == failed, sourceLocation: source)
    let thumbnails = page.elements.filter { $0.name == "img" }
    try #require(thumbnails.count == names.count, sourceLocation: source)
    for (thumbnail, card) in zip(thumbnails, cards) {
      try checkThumbnail(thumbnail, path: card.attributes["data-path"] ?? "", source: source)
    }
    return thumbnails
  }

  /// An inline BMP that our decoder reads, of the size expected for `path`, as its `data-width`/`data-height` say.
  private static func checkThumbnail(_ thumbnail: HTMLScanner.Element, path: String, source: SourceLocation) throws {
    let image = try decodeThumbnail(thumbnail.attributes["src"] ?? "")
    let size = try #require(thumbnailSize(of: path), "no expected size for \(path)", sourceLocation: source)
    #expect(
      image.width == size.0 && image.height == size.1, "\(path): \(image.width)×\(image.height)",
      sourceLocation: source)
    #expect(thumbnail.attributes["data-width"] == "\(size.0)", sourceLocation: source)
    #expect(thumbnail.attributes["data-height"] == "\(size.1)", sourceLocation: source)
  }
}
