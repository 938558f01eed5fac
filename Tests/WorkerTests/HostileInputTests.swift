import Foundation
import JSONRPC
import Testing

/// Issue 7: hostile input thrown at the real executable over pipes. Each case asserts the specific error
/// answered and that the worker still serves the request after it.
@Suite(.timeLimit(.minutes(5))) struct HostileInputTests {
  private func start(_ extra: [String] = []) throws -> WorkerProcess {
    try WorkerProcess(arguments: ["--model", WorkerProcess.tinyCLIP.path, "--log-level", "error"] + extra)
  }

  /// A request that must succeed after the hostile one.
  private func expectServing(_ worker: WorkerProcess, _ id: String, sourceLocation: SourceLocation = #_sourceLocation)
    async throws
  {
    let response = try await worker.call(.string(id), "encodeText", ["texts": ["still here"]])
    #expect(response["result"]?["dim"] == 24, "after \(id): \(response)", sourceLocation: sourceLocation)
  }

  /// The error responses with a null id, in order.
  private func nullIDErrors(_ worker: WorkerProcess) -> [JSONValue] {
    worker.messages.filter { $0["id"] == .null && $0["error"] != nil }
  }

  private func waitForNullIDErrors(_ worker: WorkerProcess, count: Int) async throws -> [JSONValue] {
    try await waitUntil("\(count) null-id errors; stderr: \(worker.standardError)") {
      nullIDErrors(worker).count >= count
    }
    return nullIDErrors(worker)
  }

  private func finish(_ worker: WorkerProcess) async throws {
    worker.closeInput()
    #expect(try await worker.exitCode() == 0)
  }

  // MARK: - Protocol

  @Test func malformedLinesAreAnsweredWithNullIDErrors() async throws {
    let worker = try start()
    worker.send(#"{"jsonrpc":"2.0","id":1,"method":"#)
    worker.send(bytes: Array(#"{"jsonrpc":"2.0","id":2,"method":"encodeText","params":{"texts":[""#.utf8) + [0xC3, 0x28]
      + Array(#""]}}"#.utf8) + [0x0A])
    worker.send(String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000))
    worker.send("[]")
    worker.send("\u{1}")
    let errors = try await waitForNullIDErrors(worker, count: 5)
    try #require(errors.count == 5, "\(errors)")
    #expect(errors.map(\.errorCode) == [-32700, -32700, -32700, -32600, -32700])
    #expect(errors[1]["error"]?["message"]?.stringValue?.contains("invalid UTF-8") == true)
    #expect(errors[2]["error"]?["message"]?.stringValue?.contains("nesting deeper than 128") == true)
    #expect(errors[3]["error"]?["message"]?.stringValue?.contains("empty batch") == true)
    try await expectServing(worker, "after-malformed")
    try await finish(worker)
  }

  /// A 100 MB line with a 1 MiB limit: discarded as it streams (the worker never holds it), answered with
  /// messageTooLarge, and the next line is read normally.
  @Test func oversizedLineIsDiscardedAndAnswered() async throws {
    let worker = try start(["--max-message-mb", "1"])
    let block = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
    let head = Array(#"{"jsonrpc":"2.0","id":1,"method":"encodeText","params":{"texts":[""#.utf8)
    worker.send(bytes: head)
    for _ in 0..<100 { worker.send(bytes: block) }
    worker.send(bytes: Array("\"]}}\n".utf8))
    let errors = try await waitForNullIDErrors(worker, count: 1)
    let expectedLength = head.count + 100_000_000 + 4
    #expect(errors.first?.errorCode == -32004)
    #expect(errors.first?["error"]?["data"] == ["byteCount": JSONValue(expectedLength), "limit": 1_048_576])
    try await expectServing(worker, "after-oversized")
    try await finish(worker)
  }

  @Test func wrongParameterTypesAreInvalidParams() async throws {
    let worker = try start()
    let image: JSONValue = ["path": .string(HostileImages.samples[0].url.path)]
    let cases: [(String, JSONValue)] = [
      ("encodeText", ["texts": 1]), ("encodeText", ["texts": "a"]), ("encodeText", ["texts": [1]]),
      ("encodeText", ["texts": .null]), ("encodeText", ["texts": [["a"]]]), ("encodeText", [:]),
      ("encodeText", ["texts": ["a"], "normalize": "yes"]), ("encodeText", ["texts": ["a"], "encoding": 5]),
      ("encodeText", ["texts": ["a"], "encoding": "hex"]), ("encodeText", ["texts": ["a"], "extra": 1]),
      ("encodeText", [1, 2]),
      ("encodeImage", ["images": 1]), ("encodeImage", ["images": [1]]), ("encodeImage", ["images": [["path": 1]]]),
      ("encodeImage", ["images": [[:]]]), ("encodeImage", ["images": [["path": "a", "data": "b"]]]),
      ("encodeImage", ["images": [["data": .null]]]), ("encodeImage", ["images": [image], "normalize": 1]),
      ("classify", ["image": image]), ("classify", ["image": image, "labels": []]),
      ("classify", ["image": image, "labels": "cat"]), ("classify", ["image": image, "labels": [1]]),
      ("classify", ["image": image, "images": [image], "labels": ["cat"]]),
      ("classify", ["image": image, "labels": ["cat"], "topK": "1"]),
      ("classify", ["image": image, "labels": ["cat"], "topK": 0]),
      ("classify", ["image": image, "labels": ["cat"], "topK": 1.5]),
      ("classify", ["image": image, "labels": ["cat"], "template": 3]),
      ("classify", ["image": image, "labels": ["cat"], "labels_": 3]),
      ("cacheStats", ["x": 1]), ("cacheClear", [1]), ("rpc.discover", ["x": 1]),
      ("$/cancelRequest", ["id": true]), ("$/cancelRequest", [:]),
    ]
    for (index, (method, params)) in cases.enumerated() {
      let response = try await worker.call(JSONValue(index), method, params)
      #expect(response.errorCode == -32602, "\(method) \(params): \(response)")
    }
    try await expectServing(worker, "after-wrong-types")
    try await finish(worker)
  }

  /// Huge arrays: a million wrong-typed elements is refused as a whole; ten thousand texts (one distinct)
  /// are all answered.
  @Test func hugeArrays() async throws {
    let worker = try start()
    let numbers = "[" + Array(repeating: "1", count: 1_000_000).joined(separator: ",") + "]"
    worker.send(#"{"jsonrpc":"2.0","id":"numbers","method":"encodeText","params":{"texts":\#(numbers)}}"#)
    #expect(try await worker.response(id: "numbers").errorCode == -32602)
    let texts = JSONValue.array(Array(repeating: "the same text", count: 10_000))
    let response = try await worker.call("texts", "encodeText", ["texts": texts])
    #expect(response["result"]?["embeddings"]?.arrayValue?.count == 10_000)
    try await expectServing(worker, "after-huge")
    try await finish(worker)
  }

  /// JSON-RPC ids: strings, numbers (echoed as written) and null are ids; booleans, arrays and objects are
  /// not, and get invalidRequest with a null id.
  @Test func idsOfEveryJSONType() async throws {
    let worker = try start()
    for id in [#""s""#, "7", "-0", "1.5e300", "123456789012345678901234567890", #""""#] {
      worker.send(#"{"jsonrpc":"2.0","id":\#(id),"method":"cacheStats"}"#)
    }
    worker.send(#"{"jsonrpc":"2.0","id":null,"method":"cacheStats"}"#)
    for id in ["true", "false", "[1]", #"{"a":1}"#] {
      worker.send(#"{"jsonrpc":"2.0","id":\#(id),"method":"cacheStats"}"#)
    }
    try await expectServing(worker, "after-ids")
    let lines = worker.lines
    for id in [#""s""#, "7", "-0", "1.5e300", "123456789012345678901234567890", #""""#] {
      #expect(lines.contains { $0.contains(#""id":\#(id),"result""#) }, "id \(id): \(lines)")
    }
    let nullIDs = worker.messages.filter { $0["id"] == .null }
    #expect(nullIDs.filter { $0["result"] != nil }.count == 1)
    #expect(nullIDs.compactMap(\.errorCode) == [-32600, -32600, -32600, -32600])
    try await finish(worker)
  }

  /// A second request with the id of one still in flight is refused; the first is answered normally.
  @Test func duplicateIDInFlight() async throws {
    let worker = try start()
    let images = JSONValue.array(
      (0..<16).map { _ in ["path": .string(HostileImages.samples[1].url.path)] })
    let first: JSONValue = ["jsonrpc": "2.0", "id": "dup", "method": "encodeImage", "params": ["images": images]]
    let second: JSONValue = ["jsonrpc": "2.0", "id": "dup", "method": "cacheStats"]
    // One line: the second is read right after the first started, while its images are being read.
    worker.send(JSONValue.array([first, second]).description)
    try await waitUntil("the batch's answer") { !worker.messages.isEmpty }
    let batch = try #require(worker.messages.first?.arrayValue)
    #expect(batch.count == 2)
    #expect(batch.filter { $0["result"]?["dim"] == 24 }.count == 1)
    #expect(batch.filter { $0.errorCode == -32600 }.count == 1)
    try await expectServing(worker, "after-duplicate")
    try await finish(worker)
  }

  @Test func unknownNotificationsGetNoAnswerAndRequestsAfterShutdownAreRefused() async throws {
    let worker = try start()
    worker.notify("noSuchMethod", ["a": 1])
    worker.notify("$/noSuchNotification")
    worker.send(#"{"jsonrpc":"2.0","method":"noSuchMethod","params":5}"#)
    try await expectServing(worker, "after-notifications")
    // The third is not a valid notification (params 5) and is answered with a null id.
    #expect(worker.messages.count == 2)
    #expect(worker.messages.first?.errorCode == -32600)
    #expect(try await worker.call("bye", "shutdown").result == .null)
    #expect(try await worker.call("late", "encodeText", ["texts": ["x"]]).errorCode == -32003)
    #expect(try await worker.call("late2", "cacheStats").errorCode == -32003)
    worker.notify("exit")
    #expect(try await worker.exitCode() == 0)
  }

  // MARK: - Images

  private func expectInputFailed(
    _ worker: WorkerProcess, _ id: String, _ input: JSONValue, reason: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) async throws {
    let response = try await worker.call(.string(id), "encodeImage", ["images": [input]])
    #expect(response.errorCode == -32001, "\(id): \(response)", sourceLocation: sourceLocation)
    #expect(response["error"]?["data"]?["index"] == 0, sourceLocation: sourceLocation)
    let found = response["error"]?["data"]?["reason"]?.stringValue ?? ""
    #expect(found.contains(reason), "\(id): reason \(found)", sourceLocation: sourceLocation)
  }

  private func data(_ bytes: [UInt8]) -> JSONValue { ["data": .string(Data(bytes).base64EncodedString())] }

  @Test func truncatedAndCorruptFilesOfEveryFormat() async throws {
    let worker = try start()
    for (format, url) in HostileImages.samples {
      let bytes = [UInt8](try Data(contentsOf: url))
      try await expectInputFailed(worker, "\(format)-header", data(Array(bytes.prefix(12))), reason: "cannot decode")
      // Cut in the middle, or garbled past the header: refused, or decoded as far as the format allows
      // (a JPEG or GIF cut short still has its first rows); never a crash.
      var garbled = bytes
      for index in stride(from: min(64, bytes.count / 2), to: bytes.count, by: 7) { garbled[index] ^= 0x5A }
      for (name, variant) in [("half", Array(bytes.prefix(bytes.count / 2))), ("garbled", garbled)] {
        let response = try await worker.call(.string("\(format)-\(name)"), "encodeImage", ["images": [data(variant)]])
        #expect(
          response.errorCode == -32001 || response["result"]?["dim"] == 24, "\(format) \(name): \(response)")
      }
    }
    try await expectServing(worker, "after-corrupt")
    try await finish(worker)
  }

  /// Tiny files declaring huge or empty images: refused from the header, before any pixel buffer exists.
  @Test func decompressionBombsAndEmptyImages() async throws {
    let worker = try start()
    let cases: [(String, [UInt8], String)] = [
      ("png-bomb", HostileImages.png(width: 100_000, height: 100_000), "exceeds the limit"),
      ("jpeg-bomb", HostileImages.jpeg(width: 65_535, height: 65_535), "exceeds the limit"),
      ("gif-bomb", HostileImages.gif(width: 65_535, height: 65_535), "exceeds the limit"),
      ("bmp-bomb", HostileImages.bmp(width: 100_000, height: 100_000), "exceeds the limit"),
      ("png-empty", HostileImages.png(width: 0, height: 10), "cannot decode"),
      ("jpeg-empty", HostileImages.jpeg(width: 0, height: 0), "cannot decode"),
      ("gif-empty", HostileImages.gif(width: 0, height: 0), "cannot decode"),
      ("bmp-empty", HostileImages.bmp(width: 0, height: 0), "cannot decode"),
      ("empty-file", [], "cannot decode"),
    ]
    for (id, bytes, reason) in cases { try await expectInputFailed(worker, id, data(bytes), reason: reason) }
    try await expectServing(worker, "after-bombs")
    try await finish(worker)
  }

  @Test func pathsThatAreNotReadableImages() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let loopA = directory.appendingPathComponent("loop-a").path, loopB = directory.appendingPathComponent("loop-b").path
    try FileManager.default.createSymbolicLink(atPath: loopA, withDestinationPath: loopB)
    try FileManager.default.createSymbolicLink(atPath: loopB, withDestinationPath: loopA)
    let fifo = directory.appendingPathComponent("fifo").path
    #expect(mkfifo(fifo, 0o600) == 0)
    let big = directory.appendingPathComponent("big.png")
    try Data(count: 2 * 1024 * 1024 + 1).write(to: big)
    // A name that is not UTF-8 (byte 0x80) cannot be named in JSON: "\udc80" (Python's surrogateescape
    // spelling) reads as U+FFFD, which names another, absent file.
    let nonUTF8Name = Array((directory.path + "/x").utf8CString.dropLast()) + [CChar(bitPattern: 0x80), 0]
    let created = open(nonUTF8Name, O_CREAT | O_WRONLY, 0o600)
    #expect(created >= 0)
    close(created)
    let worker = try start(["--max-file-mb", "2"])
    try await expectInputFailed(
      worker, "vanished", ["path": .string(directory.path + "/gone.png")], reason: "no such file")
    try await expectInputFailed(worker, "directory", ["path": .string(directory.path)], reason: "is a directory")
    try await expectInputFailed(worker, "dev-zero", ["path": "/dev/zero"], reason: "not a regular file")
    try await expectInputFailed(worker, "fifo", ["path": .string(fifo)], reason: "not a regular file")
    try await expectInputFailed(worker, "loop", ["path": .string(loopA)], reason: "symbolic links")
    try await expectInputFailed(worker, "too-big", ["path": .string(big.path)], reason: "over the limit of 2097152")
    try await expectInputFailed(
      worker, "under-a-file", ["path": .string(big.path + "/y.png")], reason: "no such file")
    let surrogatePath = #""\#(directory.path)/x\udc80""#
    worker.send(
      #"{"jsonrpc":"2.0","id":"surrogate","method":"encodeImage","params":{"images":[{"path":\#(surrogatePath)}]}}"#)
    let surrogate = try await worker.response(id: "surrogate")
    #expect(surrogate.errorCode == -32001)
    #expect(surrogate["error"]?["data"]?["input"]?["path"] == .string(directory.path + "/x\u{FFFD}"))
    try await expectServing(worker, "after-paths")
    try await finish(worker)
  }

  @Test(.enabled(if: getuid() != 0, "root reads files regardless of their mode"))
  func unreadableFile() async throws {
    let path = try TestImages.file([1, 2, 3], name: "locked.png")
    #expect(chmod(path, 0) == 0)
    let worker = try start()
    try await expectInputFailed(worker, "locked", ["path": .string(path)], reason: "Permission denied")
    try await expectServing(worker, "after-locked")
    try await finish(worker)
  }

  // MARK: - Text

  @Test func hostileTexts() async throws {
    let worker = try start()
    let long = String(repeating: "word ", count: 400_000)
    // Control characters, a lone high and a lone low surrogate, a reversed pair, a valid pair (all escaped).
    let texts = #"["\u0000\u0007\u001b[2J\r\n\t","\ud800","\udfff\ud800x","\ud83d\ude00"]"#
    worker.send(#"{"jsonrpc":"2.0","id":"odd","method":"encodeText","params":{"texts":\#(texts)}}"#)
    let odd = try await worker.response(id: "odd")
    #expect(odd["result"]?["embeddings"]?.arrayValue?.count == 4, "\(odd)")
    let longResponse = try await worker.call("long", "encodeText", ["texts": [.string(long)]])
    #expect(longResponse["result"]?["dim"] == 24, "\(longResponse)")
    try await expectServing(worker, "after-texts")
    try await finish(worker)
  }
}
