// fuzz-modules: JSONRPC
// fuzz-seeds: Tests/Fuzz/seeds/jsonrpc-*.jsonl protocol/openrpc.json Tests/JSONRPCTests/Fixtures/fuzz-seeds/*
// fuzz-seeds: Tests/JSONRPCTests/Fixtures/fuzz-regressions/jsonrpc*-*
// fuzz-options: -malloc_limit_mb=512 -max_len=65536
//
// The worker's whole reader on arbitrary bytes: LineFramer (fed in chunks whose sizes the input's first byte
// picks), JSONParser with a small depth limit, and the JSON-RPC envelope (Incoming, Message, Response).
// Checked: chunking does not change the frames; frames hold no newline and respect the limit; every value
// that parses serializes to one line that parses back to the same value; every invalid entry's response
// has a null id or the entry's own id, and serializes to one line of valid JSON; the whole stream, read as
// one JSON value (as a multi-line value would be), round-trips too.
import JSONRPC

let maxLineBytes = 4096
let maxDepth = 32

/// The frames of `bytes` fed to a fresh framer in pieces of `chunkSize` bytes.
func frames(_ bytes: [UInt8], chunkSize: Int) -> [LineFramer.Frame] {
  var framer = LineFramer(maxLineBytes: maxLineBytes)
  var frames: [LineFramer.Frame] = []
  var start = 0
  while start < bytes.count {
    let end = min(bytes.count, start + chunkSize)
    frames += framer.push(bytes[start..<end])
    start = end
  }
  if let last = framer.finish() { frames.append(last) }
  return frames
}

/// The serialized message is one line of JSON that reads back as `value`.
func checkOneLine(_ value: JSONValue) {
  let bytes = value.serialized()
  precondition(!bytes.contains(0x0A), "serialized value holds a newline: \(value)")
  let reparsed: JSONValue
  do { reparsed = try JSONParser.parse(bytes, maxDepth: maxDepth + 4) } catch {
    preconditionFailure("serialized value does not parse (\(error)): \(String(decoding: bytes, as: UTF8.self))")
  }
  precondition(reparsed == value, "round trip changed \(value) into \(reparsed)")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONRPC(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  guard size > 0, let data else { return 0 }
  let input = Array(UnsafeBufferPointer(start: data, count: size))
  let chunkSize = Int(input[0]) + 1
  let stream = Array(input.dropFirst())

  let whole = frames(stream, chunkSize: max(1, stream.count))
  precondition(frames(stream, chunkSize: chunkSize) == whole, "chunks of \(chunkSize) changed the frames")

  if let value = try? JSONParser.parse(stream, maxDepth: maxDepth) { checkOneLine(value) }

  for frame in whole {
    guard case let .line(line) = frame else { continue }
    precondition(!line.contains(0x0A) && line.count <= maxLineBytes, "bad frame of \(line.count) bytes")
    if let value = try? JSONParser.parse(line, maxDepth: maxDepth) { checkOneLine(value) }
    let entries: [Incoming.Entry]
    switch Incoming(line: line, maxDepth: maxDepth) {
    case let .single(entry): entries = [entry]
    case let .batch(batch):
      precondition(!batch.isEmpty, "an empty batch must be one invalidRequest")
      entries = batch
    }
    for entry in entries {
      switch entry {
      case let .invalid(response):
        guard case let .failure(error) = response.outcome else { preconditionFailure("an invalid entry succeeded") }
        precondition(
          [RPCError.Code.parseError, RPCError.Code.invalidRequest].contains(error.code), "code \(error.code)")
        checkOneLine(response.json)
      case let .message(message):
        if case let .request(request) = message { checkOneLine(Response(id: request.id, result: .null).json) }
        if let params = message.params { checkOneLine(params) }
      }
    }
  }
  return 0
}
