import Dispatch
import Foundation
import Hub
import ImageCodecs
import JSONRPC
import Worker

/// `clip-worker check` (or `--check`): resolves and loads the model as the server would, embeds one text and
/// one image (a small BMP made here, sent as `data`) through the server's methods, prints what was loaded, and
/// returns 0, or 1 with the reason on stderr. For install scripts and CI.
func runCheck(source: ModelReference, options: Options, logger: Logger, display: ProgressDisplay) -> Int32 {
  let started = Date()
  let session = Session(
    configuration: options.configuration, source: source, load: loadModel, decode: defaultImageDecoder,
    logger: logger, progress: { display.show($0) })
  session.start()
  let steps: [(String, JSONValue?)] = [
    ("initialize", nil),
    ("encodeText", ["texts": ["a photo of a cat"]]),
    ("encodeImage", ["images": [["data": .string(Data(checkImageBMP()).base64EncodedString())]]]),
  ]
  let outcome = Locked<Result<[JSONValue], RPCError>?>(nil)
  let done = DispatchSemaphore(value: 0)
  Task {
    var results: [JSONValue] = []
    do throws(RPCError) {
      for (method, params) in steps { results.append(try await session.call(method, params)) }
      outcome.withLock { $0 = .success(results) }
    } catch {
      outcome.withLock { $0 = .failure(error) }
    }
    done.signal()
  }
  done.wait()
  session.close()
  switch outcome.withLock({ $0 })! {
  case let .failure(error):
    standardError("clip-worker check: failed: \(error.message)")
    return 1
  case let .success(results):
    let model = results[0]["model"] ?? .null
    func field(_ name: String) -> String { model[name].map { $0.stringValue ?? $0.description } ?? "?" }
    let dimension = model["embeddingDim"]?.numberValue?.intValue ?? -1
    let text = results[1]["embeddings"]?[0]?.arrayValue?.count ?? 0
    let image = results[2]["embeddings"]?[0]?.arrayValue?.count ?? 0
    guard text == dimension, image == dimension else {
      standardError("clip-worker check: failed: embeddings of \(text) and \(image) numbers for dimension \(dimension)")
      return 1
    }
    let store: String
    if let directory = results[0]["store"]?["directory"]?.stringValue {
      let megabytes = (results[0]["store"]?["capacityBytes"]?.numberValue?.intValue ?? 0) >> 20
      let writable = results[0]["store"]?["writable"] == .bool(true) ? "" : ", read-only"
      store = "\(directory) (bound \(megabytes) MiB\(writable))"
    } else {
      store = "none"
    }
    let milliseconds = Int(Date().timeIntervalSince(started) * 1000)
    print(
      [
        "model      \(field("id"))", "path       \(field("path"))", "family     \(field("family"))",
        "shapes     embedding \(dimension), image \(field("imageSize"))px, context \(field("contextLength")) tokens",
        "weights    dtype \(field("dtype")), precision \(field("precision"))",
        "scoring    \(model["scoring"]?.description ?? "?")",
        "store      \(store)",
        "check      one text and one image embedded: ok (\(milliseconds) ms)",
      ].joined(separator: "\n"))
    return 0
  }
}

/// A 16×16 24-bit BMP: a colour gradient, the image the check embeds.
func checkImageBMP() -> [UInt8] {
  let side = 16
  // Top row first: row r is the file's row side - 1 - r (BMP rows go bottom-up), as the check has always sent it.
  let pixels = (0..<side).flatMap { row -> [UInt8] in
    let y = side - 1 - row
    return (0..<side).flatMap { x in [UInt8((x + y) * 8), UInt8(y * 16), UInt8(x * 16)] }
  }
  return BMP.encode(RGBImage(width: side, height: side, pixels: pixels))
}
