import Foundation
import JSONRPC
import Testing

/// Issue 20: what a person at a terminal sees. A real terminal comes from util-linux `script` (a pty for the
/// command's stdin, stdout and stderr); the suite is skipped where it is missing.
@Suite(.timeLimit(.minutes(5)), .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
struct TerminalTests {
  private let model = WorkerProcess.tinyCLIP.path

  /// Runs `arguments` under a pty, `input` typed into it (then end of input); returns the exit code and
  /// everything the terminal showed.
  private func atTerminal(_ arguments: [String], input: String = "") async throws -> (Int32, String) {
    let quoted = ([WorkerProcess.executable.path] + arguments).map { "'" + $0 + "'" }.joined(separator: " ")
    let worker = try WorkerProcess(
      arguments: [], environment: ["CLIP_WORKER_STORE": "none"], executable: URL(fileURLWithPath: "/usr/bin/script"),
      prefix: ["-qec", quoted, "/dev/null"])
    worker.send(bytes: Array(input.utf8))
    worker.closeInput()
    let code = try await worker.exitCode()
    return (code, worker.lines.joined(separator: "\n"))
  }

  @Test func theServerSaysOnceThatItReadsJSONRPCOnStdin() async throws {
    let (code, screen) = try await atTerminal(
      ["--model", model], input: #"{"jsonrpc":"2.0","id":1,"method":"cacheStats"}"# + "\n")
    #expect(code == 0, "\(screen)")
    #expect(screen.components(separatedBy: "reading JSON-RPC 2.0 requests on stdin").count == 2, "\(screen)")
    #expect(screen.contains(#""id":1,"result""#), "\(screen)")
  }

  @Test func notWhenStdinIsAPipe() async throws {
    let worker = try WorkerProcess(arguments: ["--model", model], environment: ["CLIP_WORKER_STORE": "none"])
    _ = try await worker.call(1, "cacheStats")
    worker.closeInput()
    #expect(try await worker.exitCode() == 0)
    #expect(!worker.standardError.contains("reading JSON-RPC"), "\(worker.standardError)")
  }

  @Test func aFolderRunShowsAProgressBarOnATerminal() async throws {
    let folder = WorkerProcess.fixtures.appendingPathComponent("images").path
    let (code, screen) = try await atTerminal(["embed", folder, "--model", model])
    #expect(code == 0, "\(screen)")
    #expect(screen.contains("images 100% ["), "\(screen)")
    // Quiet otherwise: no log lines at a terminal without -v.
    #expect(!screen.contains("info:"), "\(screen)")
  }

  @Test func initializeReportsTheScoringConstantsOfEachFamily() async throws {
    // CLIP: softmax with logitScale; SigLIP: sigmoid with logitScale and logitBias (scores rebuildable).
    for (checkpoint, expectsBias) in [(WorkerProcess.tinyCLIP, false), (WorkerProcess.tinySigLIP, true)] {
      let worker = try WorkerProcess(arguments: ["--model", checkpoint.path], environment: ["CLIP_WORKER_STORE": "none"])
      let scoring = try #require(try await worker.call(1, "initialize")["result"]?["model"]?["scoring"])
      worker.closeInput()
      #expect(try await worker.exitCode() == 0)
      #expect(scoring["logitScale"]?.numberValue != nil, "\(scoring)")
      #expect((scoring["logitBias"]?.numberValue != nil) == expectsBias, "\(scoring)")
    }
  }
}
