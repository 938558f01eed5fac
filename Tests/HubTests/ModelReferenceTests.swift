import Foundation
import Testing
@testable import Hub

@Suite(.timeLimit(.minutes(5))) struct ModelReferenceTests {
  @Test func hubIDsParseWithOptionalRevision() throws {
    #expect(try ModelReference(parsing: "openai/clip-vit-base-patch32")
      == .hub(repo: "openai/clip-vit-base-patch32", revision: "main"))
    #expect(try ModelReference(parsing: "openai/clip-vit-base-patch32@v1.0")
      == .hub(repo: "openai/clip-vit-base-patch32", revision: "v1.0"))
    #expect(try ModelReference(parsing: "org/name@refs/pr/1") == .hub(repo: "org/name", revision: "refs/pr/1"))
    #expect(try ModelReference(parsing: "gpt2") == .hub(repo: "gpt2", revision: "main"))
    #expect(ModelReference.defaultModel == .hub(repo: "openai/clip-vit-base-patch32", revision: "main"))
  }

  @Test func pathsParseAsDirectories() throws {
    #expect(try ModelReference(parsing: "/abs/model") == .directory(URL(fileURLWithPath: "/abs/model")))
    let home = URL(fileURLWithPath: NSHomeDirectory()).appendingPathComponent("models/clip")
    #expect(try ModelReference(parsing: "~/models/clip") == .directory(home.standardizedFileURL))
    let relative = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("x")
    #expect(try ModelReference(parsing: "./x") == .directory(relative.standardizedFileURL))
  }

  @Test func anExistingDirectoryWinsOverAHubID() throws {
    let root = try TestCheckpoint.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let lookalike = root.appendingPathComponent("org/name")
    try FileManager.default.createDirectory(at: lookalike, withIntermediateDirectories: true)
    // An absolute path of an existing folder: a directory. The same text without its existing folder is still a
    // path (it starts with "/"), so the check that matters is the relative one, done against the cwd below.
    #expect(try ModelReference(parsing: lookalike.path) == .directory(lookalike.standardizedFileURL))
    let cwd = FileManager.default.currentDirectoryPath
    let relativeName = "hub-tests-\(UUID().uuidString)/name"
    let relativeDirectory = URL(fileURLWithPath: cwd).appendingPathComponent(relativeName)
    try FileManager.default.createDirectory(at: relativeDirectory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: relativeDirectory.deletingLastPathComponent()) }
    #expect(try ModelReference(parsing: relativeName) == .directory(relativeDirectory.standardizedFileURL))
  }

  @Test(arguments: ["", "a/b/c", "org/name@", "org--x/name", "-org/name", "org/na me", "org/name.", "org/../x"])
  func invalidReferencesAreRefused(text: String) {
    #expect(throws: HubError.invalidReference(text)) { try ModelReference(parsing: text) }
  }
}
