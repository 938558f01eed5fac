import Foundation
import ImageCodecs
import JSONRPC
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The `--html` pages in a real browser: headless Chromium loads each page from its file (no network), its DOM is
/// dumped after the page's load script ran, and the DOM must show every thumbnail decoded by the browser
/// (`complete`, `naturalWidth`×`naturalHeight` the size we encoded) and the order and scores of `--json`; a
/// screenshot of each page (1200×900) is kept as the test's artifact, its path printed.
///
/// Skipped when no Chromium is found (`chromium`, `chromium-browser` or `google-chrome` on PATH, or
/// CLIP_WORKER_CHROMIUM naming the binary), unless CLIP_WORKER_REQUIRE_CHROMIUM=1, which makes a missing browser a
/// failure (CI sets it; Debian's package: `apt-get install chromium`).
@Suite(
  .enabled(
    if: HeadlessBrowser.binary != nil || HeadlessBrowser.required,
    "no chromium binary found (apt-get install chromium; CLIP_WORKER_REQUIRE_CHROMIUM=1 makes this a failure)"),
  .timeLimit(.minutes(5)))
struct HeadlessBrowserTests {
  @Test func searchPageInChromium() async throws {
    let browser = try HeadlessBrowser()
    let fixture = try HTMLReportFixture("chromium-search")
    defer { fixture.remove() }
    try await fixture.index()
    let search = ["search", "a photo", "--collection", "pics"] + fixture.common
    let (_, json, _) = try await WorkerProcess.run(search + ["--json"])
    let page = fixture.root.appendingPathComponent("search.html")
    let (code, _, errors) = try await WorkerProcess.run(search + ["--html", page.path])
    try #require(code == 0, "\(errors)")

    let dom = try HTMLScanner(try browser.dumpDOM(page, profile: fixture.root), rawLessThanInAttributes: true)
    let result = try JSONParser.parse(Array(json.utf8))
    try #require(result.arrayValue?.count == 5)
    let thumbnails = try HTMLReportFixture.checkSearch(dom, json: result)
    Self.checkDecodedByTheBrowser(dom, thumbnails)
    try browser.screenshot(page, name: "search", profile: fixture.root)
  }

  @Test func classifyPageInChromium() async throws {
    let browser = try HeadlessBrowser()
    let fixture = try HTMLReportFixture("chromium-classify")
    defer { fixture.remove() }
    let classify = ["classify", fixture.images.path, "--labels", "cat,dog,<b>fish</b> & chips", "--store", "none",
                    "--model", fixture.model]
    let (_, json, _) = try await WorkerProcess.run(classify + ["--json"])
    let page = fixture.root.appendingPathComponent("classify.html")
    let (code, _, errors) = try await WorkerProcess.run(classify + ["--html", page.path])
    try #require(code == 0, "\(errors)")

    let dom = try HTMLScanner(try browser.dumpDOM(page, profile: fixture.root), rawLessThanInAttributes: true)
    let names = ["gradient-64x64.png", "large-300x200.bmp", "noise-23x51.png", "oriented-36x20.jpg",
                 "\(HTMLReportFixture.oddFolder)/n<&\"'.png"].map { fixture.images.path + "/" + $0 }
    let thumbnails = try HTMLReportFixture.checkClassify(
      dom, json: try JSONParser.parse(Array(json.utf8)), names: names, failed: [])
    Self.checkDecodedByTheBrowser(dom, thumbnails)
    try browser.screenshot(page, name: "classify", profile: fixture.root)
  }

  /// The load script ran (`data-loaded` on body) and wrote, for each thumbnail, what the browser decoded.
  static func checkDecodedByTheBrowser(_ dom: HTMLScanner, _ thumbnails: [HTMLScanner.Element]) {
    #expect(dom.elements.first { $0.name == "body" }?.attributes["data-loaded"] == "\(thumbnails.count)")
    for thumbnail in thumbnails {
      let alt = thumbnail.attributes["alt"] ?? "?"
      #expect(thumbnail.attributes["data-complete"] == "true", "\(alt)")
      #expect(thumbnail.attributes["data-natural-width"] == thumbnail.attributes["data-width"], "\(alt)")
      #expect(thumbnail.attributes["data-natural-height"] == thumbnail.attributes["data-height"], "\(alt)")
      #expect(Int(thumbnail.attributes["data-natural-width"] ?? "") ?? 0 > 0, "\(alt)")
    }
  }
}

/// A headless Chromium run as a program, each run with its own profile directory and a deadline.
struct HeadlessBrowser {
  static let required = ProcessInfo.processInfo.environment["CLIP_WORKER_REQUIRE_CHROMIUM"] == "1"

  /// CLIP_WORKER_CHROMIUM, else the first of chromium, chromium-browser, google-chrome on PATH.
  static let binary: URL? = {
    let environment = ProcessInfo.processInfo.environment
    if let given = environment["CLIP_WORKER_CHROMIUM"], !given.isEmpty { return URL(fileURLWithPath: given) }
    let folders = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
    for name in ["chromium", "chromium-browser", "google-chrome"] {
      for folder in folders where FileManager.default.isExecutableFile(atPath: folder + "/" + name) {
        return URL(fileURLWithPath: folder + "/" + name)
      }
    }
    return nil
  }()

  let executable: URL

  init() throws {
    executable = try #require(
      Self.binary, "CLIP_WORKER_REQUIRE_CHROMIUM=1 but no chromium binary found (apt-get install chromium)")
  }

  /// The page's DOM once loaded (`--dump-dom`), as Chromium serializes it.
  func dumpDOM(_ page: URL, profile: URL) throws -> String {
    let (code, output, errors) = try run(["--dump-dom", page.absoluteString], profile: profile)
    try #require(code == 0, "chromium --dump-dom exited \(code): \(errors.suffix(2000))")
    let dom = String(decoding: output, as: UTF8.self)
    try #require(dom.contains("<body"), "no DOM dumped: \(errors.suffix(2000))")
    return dom
  }

  /// A 1200×900 screenshot of the page, kept in a folder of its own under the temporary directory (the test's
  /// artifact: its path is printed); checked to be a PNG of that size that is not one flat colour.
  func screenshot(_ page: URL, name: String, profile: URL) throws {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("clip-worker-html-screenshots-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let file = folder.appendingPathComponent("\(name).png")
    try? FileManager.default.removeItem(at: file)
    let (code, _, errors) = try run(
      ["--screenshot=\(file.path)", "--window-size=1200,900", "--hide-scrollbars", page.absoluteString],
      profile: profile)
    try #require(code == 0, "chromium --screenshot exited \(code): \(errors.suffix(2000))")
    let image = try decodeImage([UInt8](try Data(contentsOf: file)))
    #expect(image.width == 1200 && image.height == 900, "\(image.width)×\(image.height)")
    #expect(Set(image.pixels).count > 16, "the screenshot is blank")
    print("HeadlessBrowserTests: screenshot of the \(name) page: \(file.path)")
  }

  /// Runs Chromium headless (no GPU, no sandbox: root in a container) on a profile inside `profile`, never the
  /// user's; stdout and stderr go to files (a DOM can be larger than a pipe's buffer). Killed after 90 s.
  private func run(_ arguments: [String], profile: URL) throws -> (Int32, Data, String) {
    let output = profile.appendingPathComponent("chromium-\(UUID().uuidString).out")
    let errors = profile.appendingPathComponent("chromium-\(UUID().uuidString).err")
    try #require(FileManager.default.createFile(atPath: output.path, contents: nil))
    try #require(FileManager.default.createFile(atPath: errors.path, contents: nil))
    let process = Process()
    process.executableURL = executable
    process.arguments = [
      "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--disable-extensions",
      "--user-data-dir=\(profile.appendingPathComponent("chromium-profile").path)",
    ] + arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = try FileHandle(forWritingTo: output)
    process.standardError = try FileHandle(forWritingTo: errors)
    try process.run()
    let deadline = Date().addingTimeInterval(90)
    while process.isRunning {
      if Date() > deadline {
        process.terminate()
        process.waitUntilExit()
        Issue.record("chromium did not finish in 90 s: \(arguments)")
        break
      }
      usleep(20_000)
    }
    process.waitUntilExit()
    let errorText = String(decoding: (try? Data(contentsOf: errors)) ?? Data(), as: UTF8.self)
    return (process.terminationStatus, (try? Data(contentsOf: output)) ?? Data(), errorText)
  }
}
