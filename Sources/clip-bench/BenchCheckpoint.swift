import Foundation

/// The ViT-B/32-shaped random checkpoint the model benchmarks (`embed`, `classify`) run on by default.
enum BenchCheckpoint {
  /// The package root, three levels above this file (Sources/clip-bench/BenchCheckpoint.swift).
  static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// `.bench/vit-b32` in the package: git-ignored, about 600 MB.
  static let defaultDirectory = packageRoot.appendingPathComponent(".bench/vit-b32", isDirectory: true)

  /// `.bench/siglip2-naflex-base16`: a random SigLIP 2 NaFlex base/16 (`clip-bench embed --naflex`), about 750 MB.
  static let naflexDirectory = packageRoot.appendingPathComponent(".bench/siglip2-naflex-base16", isDirectory: true)

  /// Writes the checkpoint with the fixture script when `directory` has no weights yet: the NaFlex one for
  /// `naflexDirectory`, else a ViT-B/32.
  static func generateIfMissing(_ directory: URL) throws {
    let weights = directory.appendingPathComponent("model.safetensors")
    guard !FileManager.default.fileExists(atPath: weights.path) else { return }
    let naflex = directory.standardizedFileURL.path == naflexDirectory.standardizedFileURL.path
    let size = naflex ? 750 : 600
    FileHandle.standardError.write(Data("clip-bench: writing \(directory.path) (about \(size) MB)\n".utf8))
    let script = packageRoot.appendingPathComponent(
      naflex ? "Tests/SigLIPTests/Fixtures/make_naflex_fixtures.py" : "Tests/CLIPTests/Fixtures/make_fixtures.py")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", script.path] + (naflex ? ["--shape", "base16", "--out"] : ["--vit-b32"])
      + [directory.path]
    // The script's progress goes to our stderr; stdout stays the table's.
    process.standardOutput = FileHandle.standardError
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw BenchError.referenceFailed(script: script.lastPathComponent,
                                       reason: "exit status \(process.terminationStatus)")
    }
  }
}

/// The `--name VALUE` pairs of `arguments`, each name one of `allowed`; a later pair overrides an earlier one.
func optionValues(_ arguments: [String], allowed: Set<String>) throws -> [String: String] {
  var values: [String: String] = [:]
  var rest = arguments[...]
  while let option = rest.popFirst() {
    guard allowed.contains(option), let value = rest.popFirst() else { throw BenchError.badArgument(option) }
    values[option] = value
  }
  return values
}

/// `values[name]` read as a positive integer; nil when the option was not given.
func positiveInteger(_ values: [String: String], _ name: String) throws -> Int? {
  guard let value = values[name] else { return nil }
  guard let number = Int(value), number > 0 else { throw BenchError.badArgument("\(name) \(value)") }
  return number
}
