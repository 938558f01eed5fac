import Foundation
import SafeTensors
import Testing
@testable import Hub

/// Reading caches and directories written by others: Fixtures/hf_cache was written by huggingface_hub's own
/// `hf_hub_download` (see Fixtures/make_hf_cache.py), so it is the layout `transformers` leaves on a machine.
@Suite(.timeLimit(.minutes(5))) struct CacheLayoutTests {
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
  static let pythonCache = fixtures.appendingPathComponent("hf_cache")
  static let commit = "f00dfacef00dfacef00dfacef00dfacef00dface"
  /// A closed port: any request would fail, so success proves no request was made.
  static let unreachable = URL(string: "http://127.0.0.1:9")!

  @Test(arguments: [true, false])
  func aCacheWrittenByHuggingfaceHubIsFoundWithoutTheNetwork(offline: Bool) throws {
    let resolver = ModelResolver(files: TestCheckpoint.files, configuration: TestCheckpoint.configuration(
      cache: Self.pythonCache, endpoint: Self.unreachable, offline: offline))
    let expected = Self.pythonCache.appendingPathComponent("models--tiny-org--tiny-clip/snapshots/\(Self.commit)")
    for revision in ["main", Self.commit] {
      let snapshot = try resolver.resolve(.hub(repo: "tiny-org/tiny-clip", revision: revision))
      #expect(snapshot.path == expected.path, "\(revision)")
      let config = try String(contentsOf: snapshot.appendingPathComponent("config.json"), encoding: .utf8)
      #expect(config == #"{"model_type": "clip", "projection_dim": 8}"# + "\n")
    }
  }

  @Test func anUnknownRevisionOfACachedRepoIsMissingOffline() {
    let resolver = ModelResolver(files: TestCheckpoint.files, configuration: TestCheckpoint.configuration(
      cache: Self.pythonCache, endpoint: Self.unreachable, offline: true))
    #expect(throws: HubError.offlineAndMissing(repo: "tiny-org/tiny-clip", revision: "v2", files: [
      "config.json", "preprocessor_config.json", "tokenizer.json (or vocab.json and merges.txt)",
      "model.safetensors (or model.safetensors.index.json and its shards, "
        + "or pytorch_model.bin, or pytorch_model.bin.index.json and its shards)"])) {
      try resolver.resolve(.hub(repo: "tiny-org/tiny-clip", revision: "v2"))
    }
  }

  @Test func cacheHelpersMatchHuggingfaceHubNames() {
    #expect(RepoCache.folderName(repo: "openai/clip-vit-base-patch32") == "models--openai--clip-vit-base-patch32")
    #expect(RepoCache.folderName(repo: "gpt2") == "models--gpt2")
    #expect(RepoCache.isCommitHash(Self.commit))
    #expect(!RepoCache.isCommitHash("main"))
    #expect(!RepoCache.isCommitHash(Self.commit.uppercased()))
    #expect(HubDownload.normalizeETag(#"W/"abc""#) == "abc")
    #expect(HubDownload.normalizeETag(#""abc""#) == "abc")
  }

  @Test func aCompleteDirectoryIsUsedAsIs() throws {
    let directory = try TestCheckpoint.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try TestCheckpoint.writeSmallFiles(to: directory)
    try Data([0]).write(to: directory.appendingPathComponent("model.safetensors"))
    let resolver = ModelResolver(files: TestCheckpoint.files, configuration: TestCheckpoint.configuration(
      cache: directory, endpoint: Self.unreachable, offline: true))
    #expect(try resolver.resolve(.directory(directory)) == directory)
  }

  @Test func incompleteDirectoriesSayWhatLacks() throws {
    let directory = try TestCheckpoint.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let resolver = ModelResolver(files: TestCheckpoint.files, configuration: TestCheckpoint.configuration(
      cache: directory, endpoint: Self.unreachable, offline: true))
    try Data("{}".utf8).write(to: directory.appendingPathComponent("config.json"))
    try Data("{}".utf8).write(to: directory.appendingPathComponent("vocab.json"))
    #expect(throws: HubError.missingFiles(location: directory.path, files: [
      "preprocessor_config.json", "tokenizer.json (or vocab.json and merges.txt)",
      "model.safetensors (or model.safetensors.index.json and its shards, "
        + "or pytorch_model.bin, or pytorch_model.bin.index.json and its shards)"])) {
      try resolver.resolve(.directory(directory))
    }
    // Pickled weights meet the weights requirement (the loader reads them when there is no safetensors file).
    try Data([0]).write(to: directory.appendingPathComponent("pytorch_model.bin"))
    #expect(throws: HubError.missingFiles(location: directory.path, files: [
      "preprocessor_config.json", "tokenizer.json (or vocab.json and merges.txt)"])) {
      try resolver.resolve(.directory(directory))
    }
    try FileManager.default.removeItem(at: directory.appendingPathComponent("pytorch_model.bin"))
    try Data("{\"weight_map\": {\"w\": \"pytorch_model-00001-of-00001.bin\"}}".utf8)
      .write(to: directory.appendingPathComponent("pytorch_model.bin.index.json"))
    #expect(throws: HubError.missingFiles(location: directory.path, files: [
      "preprocessor_config.json", "tokenizer.json (or vocab.json and merges.txt)",
      "pytorch_model-00001-of-00001.bin"])) {
      try resolver.resolve(.directory(directory))
    }
    let absent = directory.appendingPathComponent("absent")
    #expect(throws: HubError.directoryNotFound(path: absent.path)) { try resolver.resolve(.directory(absent)) }
  }

  @Test func aShardIndexNamesItsMissingShardsAndRefusesEscapes() throws {
    let directory = try TestCheckpoint.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try TestCheckpoint.writeSmallFiles(to: directory)
    let index = directory.appendingPathComponent("model.safetensors.index.json")
    try Data(#"{"weight_map": {"a": "s1.safetensors", "b": "s2.safetensors"}}"#.utf8).write(to: index)
    try Data([0]).write(to: directory.appendingPathComponent("s1.safetensors"))
    #expect(throws: HubError.missingFiles(location: directory.path, files: ["s2.safetensors"])) {
      try CheckpointFiles.validate(directory: directory, files: TestCheckpoint.files)
    }
    try Data(#"{"weight_map": {"a": "../../etc/passwd"}}"#.utf8).write(to: index)
    #expect(throws: HubError.badShardIndex(
      location: directory.path, reason: #"tensor a maps to "../../etc/passwd", not a file in the checkpoint directory"#)) {
      try CheckpointFiles.validate(directory: directory, files: TestCheckpoint.files)
    }
    // A shard in a subfolder is refused by the Hub exactly as the loader refuses it.
    try Data(#"{"weight_map": {"a": "sub/s1.safetensors"}}"#.utf8).write(to: index)
    #expect(throws: HubError.badShardIndex(
      location: directory.path, reason: #"tensor a maps to "sub/s1.safetensors", not a file in the checkpoint directory"#)) {
      try CheckpointFiles.validate(directory: directory, files: TestCheckpoint.files)
    }
    #expect(throws: SafeTensorsError.invalidIndex(
      reason: #"tensor a maps to "sub/s1.safetensors", not a file in the checkpoint directory"#)) {
      try SafeTensorsCheckpoint(directory: directory)
    }
  }
}
