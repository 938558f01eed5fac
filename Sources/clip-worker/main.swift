// clip-worker: serves a CLIP model over newline-delimited JSON-RPC 2.0 on stdin/stdout, or runs one
// classify/embed request from the command line.
import Foundation
import Hub
import JSONRPC
import Kernels
import Models
import Worker

/// Writes a line to stderr (never stdout, which carries protocol messages only).
func standardError(_ text: String) {
  // The throwing write: a closed stderr must not end the worker (the non-throwing one traps on EPIPE).
  try? FileHandle.standardError.write(contentsOf: Data((text + "\n").utf8))
}

let options: Options
let source: ModelReference
do {
  options = try Options(
    arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment)
  source = try options.source()
} catch {
  let first = CommandLine.arguments.dropFirst().first
  let command = first.flatMap(OneShotCommand.Kind.init(rawValue:))?.rawValue
    ?? first.flatMap(CollectionCommand.Kind.init(rawValue:))?.rawValue
  standardError("clip-worker: \(error)\nTry 'clip-worker \(command.map { "\($0) " } ?? "")--help'.")
  exit(2)
}

switch options.action {
case let .help(command):
  print(Options.usage(command))
  exit(0)
case .version:
  print("\(WorkerVersion.name) \(WorkerVersion.current)")
  exit(0)
case let .collectionHelp(kind):
  print(Options.usage(kind))
  exit(0)
case .serve, .oneShot, .check, .collection:
  break
}

// A reader that goes away must not kill us with SIGPIPE; the failed write is handled instead.
signal(SIGPIPE, SIG_IGN)
KernelThreads.count = options.configuration.threads
let logger = Logger(level: options.logLevel) { standardError($0) }
let display = ProgressDisplay(terminal: isatty(STDERR_FILENO) == 1, logger: logger) { text in
  FileHandle.standardError.write(Data(text.utf8))
}
// The family the checkpoint's config names loads it.
let precision = options.configuration.precision
let loadModel: ModelLoading = { directory in
  if precision != .float32 { logger.log(.info, "precision \(precision.kernelDescription)") }
  let model = try ModelFamilies.load(directory: directory, precision: precision)
  // Once loaded, so that the first load's temporaries still go back to the system (9 MB).
  HeapPolicy.keepActivationMemory()
  return model
}

if options.action == .check {
  exit(runCheck(source: source, options: options, logger: logger, display: display))
}
if case let .collection(command) = options.action {
  exit(runCollectionCommand(command, source: source, options: options, logger: logger, display: display))
}
if case let .oneShot(command) = options.action {
  exit(runOneShot(command, source: source, options: options, logger: logger, display: display))
}

// Protocol messages go to a private copy of stdout; fd 1 then points at stderr, so a stray `print` from
// any library lands in the log instead of corrupting the stream.
let protocolOutput = dup(STDOUT_FILENO)
guard protocolOutput >= 0, dup2(STDERR_FILENO, STDOUT_FILENO) >= 0 else {
  standardError("clip-worker: cannot set up the output stream (errno \(errno))")
  exit(1)
}

// Newline-delimited unless the input starts with a `Content-Length:` header (LSP's framing): answers and
// notifications are then written with headers too.
let writer = FramedWriter(fileDescriptor: protocolOutput)
// After a failed load the reader reads what the client has already sent (each request is answered with
// modelUnavailable), then stops at the first pause, so that the process exits 1 even if the client keeps
// its end of the pipe open.
let readStop = ReadStop()
let server = Server(
  configuration: options.configuration, source: source, load: loadModel, decode: defaultImageDecoder,
  output: { writer.write($0) }, logger: logger, progress: { display.show($0) }, loadFailed: { readStop.request() })
server.start()

// SIGTERM and SIGINT end the worker in order: input stops, calls in flight get a second to be answered,
// the rest are answered with requestCancelled, then exit 0. The default actions are ignored so that the
// dispatch sources receive the signals instead.
let terminationSources = [SIGTERM, SIGINT].map { number in
  signal(number, SIG_IGN)
  let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
  source.setEventHandler {
    logger.log(.info, "signal \(number): finishing the calls in flight")
    server.terminate(grace: 1)
  }
  source.resume()
  return source
}

// A person who started the server at a terminal sees what it expects (once; never when stdin is a pipe).
if isatty(STDIN_FILENO) == 1 {
  standardError(
    "clip-worker: reading JSON-RPC 2.0 requests on stdin, one JSON message per line (Ctrl-D ends);"
      + " for one image or text at a time use 'clip-worker classify' or 'clip-worker embed' (see --help)")
}

let maxLineBytes = options.configuration.maxMessageBytes
let reader = Thread {
  var input = FramedReader(fileDescriptor: STDIN_FILENO, maxMessageBytes: maxLineBytes)
  input.run(stop: readStop, onFraming: { framing in
    writer.framing = framing
    if framing == .headers { logger.log(.debug, "Content-Length framing") }
  }) { server.receive($0) }
  server.endOfInput()
}
reader.stackSize = 8 << 20
reader.start()

let code = server.waitForExit()
withExtendedLifetime(terminationSources) {}
exit(code)
