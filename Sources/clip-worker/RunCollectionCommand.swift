import Dispatch
import Foundation
import Hub
import JSONRPC
import Worker

/// Runs `clip-worker index` or `clip-worker search` in-process. At a terminal, `index` asks for progress and draws
/// `done/total, rate, ETA` on stderr. Returns the exit code: 0; 1 when the model could not be used or a call
/// failed, or (index) some files failed; 2 when the method refused the arguments.
func runCollectionCommand(
  _ command: CollectionCommand, source: ModelReference, options: Options, logger: Logger, display: ProgressDisplay
) -> Int32 {
  let terminal = isatty(STDERR_FILENO) == 1
  let started = Date()
  let bar = Locked<String?>(nil)
  let session = Session(
    configuration: options.configuration, source: source, load: loadModel, decode: defaultImageDecoder,
    logger: logger,
    notify: { message in
      guard terminal, let params = message["params"], params["token"] == "index",
        let done = params["done"]?.numberValue?.doubleValue, let total = params["total"]?.numberValue?.doubleValue
      else { return }
      let elapsed = max(Date().timeIntervalSince(started), 0.001)
      let rate = done / elapsed
      let eta = rate > 0 ? (total - done) / rate : 0
      let line = String(format: "\r\u{1B}[2Kindexing %d/%d  %.0f files/s  ETA %.0f s", Int(done), Int(total), rate, eta)
      bar.withLock { $0 = line }
      FileHandle.standardError.write(Data(line.utf8))
    },
    progress: { display.show($0) })
  session.start()
  let outcome = Locked<Result<[JSONValue], RPCError>?>(nil)
  let done = DispatchSemaphore(value: 0)
  Task {
    do throws(RPCError) {
      if terminal, command.kind == .index {
        _ = try await session.call("initialize", ["capabilities": ["progress": true]])
      }
      var results: [JSONValue] = []
      for (method, params) in command.requests { results.append(try await session.call(method, params)) }
      outcome.withLock { $0 = .success(results) }
    } catch {
      outcome.withLock { $0 = .failure(error) }
    }
    done.signal()
  }
  done.wait()
  session.close()
  if bar.withLock({ $0 }) != nil { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
  switch outcome.withLock({ $0 })! {
  case let .success(results):
    print(command.render(results))
    if let html = command.html, let result = results.first {
      let report = HTMLReport.search(
        command, result: result, thumbnails: ThumbnailMaker(configuration: options.configuration),
        model: source.description)
      guard report.write(to: html) else { return 1 }
    }
    let failed = results.flatMap { $0["failed"]?.arrayValue ?? [] }
    for entry in failed {
      standardError("clip-worker: \(entry["path"]?.stringValue ?? "?"): \(entry["reason"]?.stringValue ?? "?")")
    }
    return failed.isEmpty ? 0 : 1
  case let .failure(error):
    standardError("clip-worker: \(error.message)")
    return error.code == RPCError.Code.invalidParams ? 2 : 1
  }
}
