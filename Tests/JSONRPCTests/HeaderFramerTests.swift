import Foundation
import JSONRPC
import Testing

/// LSP framing: `Content-Length: N\r\n\r\n` then N bytes; chunks split anywhere, several messages in one
/// read, bad header blocks reported without losing the messages after them, and the framing told from the
/// first bytes.
@Suite(.timeLimit(.minutes(5))) struct HeaderFramerTests {
  private func framed(_ body: String) -> String { "Content-Length: \(body.utf8.count)\r\n\r\n" + body }

  private func frames(_ chunks: [[UInt8]], maxBodyBytes: Int = 100) -> [LineFramer.Frame] {
    var framer = HeaderFramer(maxBodyBytes: maxBodyBytes)
    var frames = chunks.flatMap { framer.push($0) }
    if let last = framer.finish() { frames.append(last) }
    return frames
  }

  private func frames(_ chunks: [String], maxBodyBytes: Int = 100) -> [LineFramer.Frame] {
    frames(chunks.map { Array($0.utf8) }, maxBodyBytes: maxBodyBytes)
  }

  private func line(_ text: String) -> LineFramer.Frame { .line(Array(text.utf8)) }

  private func isMalformed(_ frame: LineFramer.Frame, saying text: String) -> Bool {
    if case let .malformed(why) = frame { return why.contains(text) }
    return false
  }

  @Test func severalMessagesInOneRead() {
    let bodies = [#"{"a":1}"#, "[2,3]", #""é€""#]
    #expect(frames([bodies.map(framed).joined()]) == bodies.map(line))
  }

  @Test func everySplitOfTheStreamGivesTheSameFrames() {
    // The byte count is of the UTF-8 body (é and € are 2 and 3 bytes), and the body may hold newlines.
    let stream = Array((framed(#"{"x":"é€"}"#) + "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n"
      + framed("{\n\"y\": 2}")).utf8)
    let expected = [line(#"{"x":"é€"}"#), line("{\n\"y\": 2}")]
    for split in 0...stream.count {
      #expect(frames([Array(stream[..<split]), Array(stream[split...])]) == expected, "split at \(split)")
    }
    #expect(frames(stream.map { [$0] }) == expected)
  }

  @Test func headerNamesAnyCaseBareNewlinesAndOtherHeaders() {
    let stream = "\r\n\ncontent-type: x\r\nCONTENT-LENGTH:  3 \nX-Other: y\n\n[1]" + framed("2")
    #expect(frames([stream]) == [line("[1]"), line("2")])
  }

  @Test func anEmptyBodyIsAMessage() {
    #expect(frames(["Content-Length: 0\r\n\r\n" + framed("1")]) == [line(""), line("1")])
  }

  @Test func aPartialHeaderOrBodyAtTheEndIsReported() {
    #expect(frames(["Content-Len"]).count == 1)
    #expect(isMalformed(frames(["Content-Len"])[0], saying: "inside a header block"))
    let cut = frames(["Content-Length: 10\r\n\r\n{\"a\""])
    #expect(cut.count == 1 && isMalformed(cut[0], saying: "6 bytes before the end of a 10-byte body"))
    // Only blank lines after the last message: nothing to report.
    #expect(frames([framed("1") + "\r\n"]) == [line("1")])
  }

  @Test(arguments: [
    ("Content-Length: abc\r\n\r\n{}", "not a decimal byte count"),
    ("Content-Length: -5\r\n\r\n{}", "not a decimal byte count"),
    ("Content-Length: 99999999999999999999\r\n\r\n{}", "not a decimal byte count"),
    ("Content-Type: x\r\n\r\n{}", "without Content-Length"),
    ("hello world\r\n\r\n{}", "not a header line"),
    ("Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", "two different Content-Length headers"),
  ])
  func aBadHeaderIsReportedAndTheNextMessageStillRead(header: String, message: String) {
    let result = frames([header + framed("[1]") + framed("[2]")])
    #expect(result.count == 3, "\(result)")
    #expect(result.first.map { isMalformed($0, saying: message) } == true, "\(result)")
    #expect(Array(result.dropFirst()) == [line("[1]"), line("[2]")])
  }

  @Test func anOverlongHeaderBlockIsBounded() {
    let result = frames(["Content-Type: " + String(repeating: "x", count: HeaderFramer.maxHeaderBytes + 10) + "\r\n"
      + framed("[1]")])
    #expect(result.count == 2)
    #expect(result.first.map { isMalformed($0, saying: "header block longer than") } == true)
    #expect(result.last == line("[1]"))
  }

  @Test func aBodyOverTheLimitIsReportedAtItsHeaderAndSkipped() {
    var framer = HeaderFramer(maxBodyBytes: 10)
    // Reported as soon as the header ends, before any of the body has come.
    #expect(framer.push(Array("Content-Length: 11\r\n\r\n".utf8)) == [.oversized(byteCount: 11)])
    #expect(framer.push(Array("[1,2,3,4,".utf8)) == [])
    #expect(framer.push(Array("5]".utf8) + Array(framed("[6]").utf8)) == [line("[6]")])
    #expect(framer.finish() == nil)
  }

  @Test func theFramingIsToldFromTheFirstBytes() {
    var headers = MessageFramer(maxMessageBytes: 100)
    #expect(headers.push(Array(" \r\n".utf8)) == [] && headers.framing == nil)
    #expect(headers.push(Array("Content-Length: 3\r\n\r\n[1]".utf8)) == [line("[1]")])
    #expect(headers.framing == .headers)

    var typeFirst = MessageFramer(maxMessageBytes: 100)
    #expect(typeFirst.push(Array("content-type: a\r\n".utf8) + Array(framed("2").utf8)) == [line("2")])
    #expect(typeFirst.framing == .headers)

    for start in [#"{"a":1}"#, "[1]", "null", "\n\n 7"] {
      var lines = MessageFramer(maxMessageBytes: 100)
      #expect(lines.push(Array((start + "\n").utf8)) == [line(start.trimmingCharacters(in: .whitespacesAndNewlines))])
      #expect(lines.framing == .lines)
    }
  }

  @Test func framingWritesTheByteCountOfTheBody() {
    let body = Array(#"{"é":1}"#.utf8)
    #expect(Framing.headers.frame(body) == Array("Content-Length: 8\r\n\r\n".utf8) + body)  // é is 2 bytes: 8, not 7
    #expect(Framing.lines.frame(body) == body + [0x0A])
  }
}
