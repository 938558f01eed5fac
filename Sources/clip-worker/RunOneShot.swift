import Dispatch
import Foundation
import Hub
import JSONRPC
import Worker

/// Runs a one-shot command: loads the model as the server would, calls the method once, prints the result on
/// stdout. Returns the exit code: 0, 1 when the model or an input could not be used (the reason on stderr),
/// 2 when the method refused the arguments (invalid params, such as a template without `{}`).
func runOneShot(
  _ command: OneShotCommand, source: ModelReference, options: Options, logger: Logger, display: ProgressDisplay
) -> Int32 {
  let session = Session(
    configuration: options.configuration, source: source, load: loadModel, decode: defaultImageDecoder,
    logger: logger, progress: { display.show($0) })
  session.start()
  let (method, params) = command.request
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
  session.close()
  switch outcome.withLock({ $0 })! {
  case let .success(result):
    print(command.render(result))
    return 0
  case let .failure(error):
    standardError("clip-worker: \(error.message)")
    return error.code == RPCError.Code.invalidParams ? 2 : 1
  }
}
