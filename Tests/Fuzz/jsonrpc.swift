// fuzz-modules: JSONRPC
// fuzz-seeds: Tests/Fuzz/seeds/jsonrpc-*.jsonl protocol/openrpc.json
// fuzz-seeds: Tests/JSONRPCTests/Fixtures/fuzz-regressions/jsonrpc-*
// fuzz-options: -malloc_limit_mb=256 -max_len=4096
//
// The worker's reading side on arbitrary bytes: the line framer (fed in chunks whose size the input's first
// byte picks, so a line split across reads is covered), then each line read as a JSON-RPC call or batch. Every
// line kept is within the limit and holds no newline; every value the parser accepts serializes to JSON that
// parses back to the same value; every error response serializes to JSON that parses.
import JSONRPC

let maxLineBytes = 1024

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONRPC(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
  let chunkSize = Int(bytes.first ?? 0) + 1
  var framer = LineFramer(maxLineBytes: maxLineBytes)
  var frames: [LineFramer.Frame] = []
  var start = 0
  while start < bytes.count {
    frames += framer.push(bytes[start..<min(start + chunkSize, bytes.count)])
    start += chunkSize
  }
  if let last = framer.finish() { frames.append(last) }
  for case let .line(line) in frames {
    precondition(line.count <= maxLineBytes && !line.contains(0x0A), "bad line of \(line.count) bytes")
    checkRoundTrip(line)
    let entries: [Incoming.Entry]
    switch Incoming(line: line) {
    case let .single(entry): entries = [entry]
    case let .batch(batch): entries = batch
    }
    for case let .invalid(response) in entries {
      let json = response.json.serialized()
      precondition((try? JSONParser.parse(json)) != nil, "unparsable response \(String(decoding: json, as: UTF8.self))")
    }
  }
  checkRoundTrip(bytes)
  return 0
}

/// A value the parser accepts must survive serialization.
func checkRoundTrip(_ bytes: [UInt8]) {
  guard let value = try? JSONParser.parse(bytes) else { return }
  let text = value.serialized()
  let again = try? JSONParser.parse(text)
  precondition(again == value, "round trip changed \(String(decoding: text, as: UTF8.self))")
}
