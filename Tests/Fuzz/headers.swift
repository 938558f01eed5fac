// fuzz-modules: JSONRPC
// fuzz-seeds: Tests/Fuzz/seeds/headers-*.bin
// fuzz-options: -malloc_limit_mb=512 -max_len=65536
//
// LSP framing (HeaderFramer, behind MessageFramer's detection) on arbitrary bytes, fed in chunks whose sizes the
// input's first byte picks. Checked: chunking does not change the frames; every body respects the limit; the
// framer's output is bounded by its input (no frame from nothing); re-framing the bodies with Framing.headers
// and reading them back gives the same bodies.
import JSONRPC

let maxBodyBytes = 4096

func frames(_ bytes: [UInt8], chunkSize: Int) -> [LineFramer.Frame] {
  var framer = MessageFramer(maxMessageBytes: maxBodyBytes)
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

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHeaders(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  guard size > 0, let data else { return 0 }
  let input = Array(UnsafeBufferPointer(start: data, count: size))
  let chunkSize = Int(input[0]) + 1
  // Header framing whatever the input starts with, so that the fuzzer does not spend its time on lines.
  let stream = Array("Content-Length: ".utf8) + Array(input.dropFirst())

  let whole = frames(stream, chunkSize: max(1, stream.count))
  precondition(frames(stream, chunkSize: chunkSize) == whole, "chunks of \(chunkSize) changed the frames")
  var bodies: [[UInt8]] = []
  var bodyBytes = 0
  for frame in whole {
    if case let .line(body) = frame {
      precondition(body.count <= maxBodyBytes, "a body of \(body.count) bytes")
      bodies.append(body)
      bodyBytes += body.count
    }
  }
  precondition(bodyBytes <= stream.count, "more body bytes than input")
  let reframed = bodies.flatMap { Framing.headers.frame($0) }
  let again = frames(reframed, chunkSize: chunkSize).compactMap { frame -> [UInt8]? in
    if case let .line(body) = frame { return body }
    preconditionFailure("re-framed bodies read back as \(frame)")
  }
  precondition(again == bodies, "re-framed bodies changed")
  return 0
}
