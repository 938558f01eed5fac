import JSONRPC
import Testing

/// Framing: one message per `\n`-terminated line, `\r\n` accepted, chunks split anywhere, long lines
/// bounded and reported.
@Suite(.timeLimit(.minutes(5))) struct LineFramerTests {
  private func frames(_ chunks: [String], maxLineBytes: Int = 100) -> [LineFramer.Frame] {
    var framer = LineFramer(maxLineBytes: maxLineBytes)
    var frames = chunks.flatMap { framer.push(Array($0.utf8)) }
    if let last = framer.finish() { frames.append(last) }
    return frames
  }

  private func line(_ text: String) -> LineFramer.Frame { .line(Array(text.utf8)) }

  @Test func splitsOnNewlines() {
    #expect(frames(["{\"a\":1}\n[2]\n"]) == [line("{\"a\":1}"), line("[2]")])
  }

  @Test func acceptsCRLF() {
    #expect(frames(["1\r\n2\r\n"]) == [line("1"), line("2")])
  }

  @Test func reassemblesChunksSplitAnywhere() {
    #expect(frames(["{\"a\"", ":1", "}\r", "\n[", "2]\n"]) == [line("{\"a\":1}"), line("[2]")])
  }

  @Test func lastLineWithoutTerminatorIsKept() {
    #expect(frames(["1\n2"]) == [line("1"), line("2")])
  }

  @Test func blankLinesAreSkipped() {
    #expect(frames(["\n\r\n  \t\n1\n"]) == [line("1")])
  }

  @Test func longLinesAreDiscardedAndCounted() {
    let long = String(repeating: "x", count: 25)
    #expect(
      frames(["1\n" + long.prefix(10), long.dropFirst(10) + "\n2\n"], maxLineBytes: 20)
        == [line("1"), .oversized(byteCount: 25), line("2")])
  }

  @Test func lineAtTheLimitIsKept() {
    let exact = String(repeating: "y", count: 20)
    #expect(frames([exact + "\r\n", exact + "z\n"], maxLineBytes: 20) == [line(exact), .oversized(byteCount: 21)])
  }

  @Test func oversizedLastLineIsReported() {
    #expect(frames([String(repeating: "x", count: 30)], maxLineBytes: 20) == [.oversized(byteCount: 30)])
  }
}
