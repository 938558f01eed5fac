import Dispatch
import Foundation
import Hub
import JSONRPC
import Worker

/// Runs a one-shot command: loads the model as the server would, calls the method on the inputs (in chunks,
/// so that a folder of any size stays within the request limits), prints each result on stdout in input
/// order. Returns the exit code: 0; 1 when the model or any input could not be used (one line on stderr per
/// bad input, naming it and why; the good inputs' results are still printed unless `--fail-fast`); 2 when the
/// arguments cannot make a request (no input, or the method refused them as invalid params, such as a
/// template without `{}`).
func runOneShot(
  _ command: OneShotCommand, source: ModelReference, options: Options, logger: Logger, display: ProgressDisplay
) -> Int32 {
  let inputs: [OneShotInput]
  do {
    inputs = try command.inputs(maxStandardInputBytes: options.configuration.maxImageFileBytes) {
      readStandardInput(maxBytes: $0)
    }
  } catch {
    standardError("clip-worker: \(error)\nTry 'clip-worker \(command.kind.rawValue) --help'.")
    return 2
  }
  let terminal = isatty(STDERR_FILENO) == 1
  let session = Session(
    configuration: options.configuration, source: source, load: loadModel, decode: defaultImageDecoder,
    logger: logger, progress: { display.show($0) })
  session.start()
  // The store (if any) is closed on every way out, after the last call.
  defer { session.close() }

  let bar = command.texts.isEmpty
    ? ImageRunProgress(total: inputs.count, terminal: terminal) { FileHandle.standardError.write(Data($0.utf8)) }
    : nil
  // What is printed: streamed per chunk, unless it must wait for the end (`--fail-fast` prints nothing after
  // a failure; classify --json prints one JSON value).
  let printsAtEnd = command.failFast || (command.kind == .classify && command.json)
  var printed: [String] = []
  var values = [JSONValue](repeating: .null, count: inputs.count)
  var failures: [(name: String, reason: String)] = []
  if inputs.isEmpty {
    standardError("clip-worker: no images found in \(command.images.joined(separator: ", ")) (\(extensionList))")
    return 1
  }

  let chunkSize = command.texts.isEmpty ? 32 : 1024
  var start = 0
  bar?.show(done: 0)
  while start < inputs.count {
    let chunk = Array(start..<min(inputs.count, start + chunkSize))
    // The inputs of this chunk still to be sent, in groups: a failing input is reported and dropped, the rest
    // re-sent (their embeddings are in the cache by then, unless the cache is off); a group over a request
    // limit (the pixels of large photos) is halved.
    var groups = [chunk]
    while !groups.isEmpty {
      var pending = groups.removeFirst()
      while !pending.isEmpty {
        let (method, params) = command.request(for: pending.map { inputs[$0] })
        let error: RPCError
        switch call(session, method, params) {
        case let .success(result):
          for (index, value) in zip(pending, command.perInput(result)) { values[index] = value }
          pending = []
          continue
        case let .failure(failure):
          error = failure
        }
        let overLimit = error.data?["limit"] != nil
        if overLimit, pending.count > 1 {
          groups.insert(Array(pending[(pending.count / 2)...]), at: 0)
          pending = Array(pending[..<(pending.count / 2)])
          continue
        }
        // The input the error is about: the one it names, or the only one of an over-limit request.
        let failed = error.data?["index"]?.numberValue?.intValue.flatMap { pending.indices.contains($0) ? $0 : nil }
          ?? (overLimit ? 0 : nil)
        bar?.clear()
        guard let failed else {
          standardError("clip-worker: \(error.message)")
          return error.code == RPCError.Code.invalidParams ? 2 : 1
        }
        let reason = error.data?["reason"]?.stringValue ?? error.message
        standardError("clip-worker: \(inputs[pending[failed]].name): \(reason)")
        if command.failFast { return 1 }
        failures.append((inputs[pending[failed]].name, reason))
        pending.remove(at: failed)
      }
    }
    var lines: [String] = []
    for index in chunk where values[index] != .null {
      lines.append(command.renderOne(name: inputs[index].name, values[index]))
    }
    if printsAtEnd {
      printed += lines
    } else if !lines.isEmpty {
      bar?.clear()
      standardOutput(lines.joined(separator: "\n"))
    }
    start += chunkSize
    bar?.show(done: min(start, inputs.count))
  }
  bar?.finish()
  if command.kind == .classify && command.json {
    // One JSON value, as the method gives it: one ranked list for one image, else a list per image (null for
    // one that could not be used).
    let single = inputs.count == 1 && command.images.count == 1 && !isFolder(command.images[0])
    if !single { standardOutput(JSONValue.array(values).description) } else if values[0] != .null { standardOutput(values[0].description) }
  } else if !printed.isEmpty {
    standardOutput(printed.joined(separator: "\n"))
  }
  if let html = command.html {
    let report = HTMLReport.classify(
      command, inputs: inputs, values: values, failures: failures,
      thumbnails: ThumbnailMaker(configuration: options.configuration), model: source.description)
    guard report.write(to: html) else { return 1 }
  }
  return failures.isEmpty ? 0 : 1
}

private var extensionList: String { imageExtensions.sorted().map { "." + $0 }.joined(separator: " ") }

private func isFolder(_ path: String) -> Bool {
  var isDirectory: ObjCBool = false
  return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
}

/// Writes a line to stdout at once (unbuffered, so that it is not held back behind the progress bar).
private func standardOutput(_ text: String) {
  try? FileHandle.standardOutput.write(contentsOf: Data((text + "\n").utf8))
}

/// One call of the session's method, waited for.
private func call(_ session: Session, _ method: String, _ params: JSONValue) -> Result<JSONValue, RPCError> {
  let outcome = Locked<Result<JSONValue, RPCError>?>(nil)
  let done = DispatchSemaphore(value: 0)
  Task {
    do throws(RPCError) {
      let result = try await session.call(method, params)
      outcome.withLock { $0 = .success(result) }
    } catch {
      outcome.withLock { $0 = .failure(error) }
    }
    done.signal()
  }
  done.wait()
  return outcome.withLock { $0 }!
}
