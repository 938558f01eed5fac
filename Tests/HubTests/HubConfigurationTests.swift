import Foundation
import Testing
@testable import Hub

@Suite(.timeLimit(.minutes(5))) struct HubConfigurationTests {
  @Test func cacheDirectoryFollowsHuggingfaceHubPrecedence() {
    let home = ["HOME": "/home/u"]
    #expect(HubConfiguration.fromEnvironment(home).cacheDirectory.path == "/home/u/.cache/huggingface/hub")
    #expect(HubConfiguration.fromEnvironment(home.merging(["XDG_CACHE_HOME": "/xdg"]) { $1 }).cacheDirectory.path
      == "/xdg/huggingface/hub")
    #expect(HubConfiguration.fromEnvironment(home.merging(["HF_HOME": "~/hf", "XDG_CACHE_HOME": "/xdg"]) { $1 })
      .cacheDirectory.path == "/home/u/hf/hub")
    let legacy = home.merging(["HF_HOME": "/hf", "HUGGINGFACE_HUB_CACHE": "/legacy"]) { $1 }
    #expect(HubConfiguration.fromEnvironment(legacy).cacheDirectory.path == "/legacy")
    let all = home.merging(["HF_HOME": "/hf", "HUGGINGFACE_HUB_CACHE": "/legacy", "HF_HUB_CACHE": "/cache"]) { $1 }
    #expect(HubConfiguration.fromEnvironment(all).cacheDirectory.path == "/cache")
  }

  @Test func endpointTokenAndOfflineComeFromTheEnvironment() throws {
    let none = HubConfiguration.fromEnvironment(["HOME": "/nonexistent-home"])
    #expect(none.endpoint == URL(string: "https://huggingface.co")!)
    #expect(none.token == nil)
    #expect(!none.offline)
    let set = HubConfiguration.fromEnvironment(["HOME": "/nonexistent-home", "HF_ENDPOINT": "http://127.0.0.1:9/",
                                                "HF_TOKEN": "hf_abc", "HF_HUB_OFFLINE": "1"])
    #expect(set.endpoint == URL(string: "http://127.0.0.1:9")!)
    #expect(set.token == "hf_abc")
    #expect(set.offline)
    for value in ["1", "on", "YES", "true"] {
      #expect(HubConfiguration.fromEnvironment(["HF_HUB_OFFLINE": value]).offline, "\(value)")
      #expect(HubConfiguration.fromEnvironment(["TRANSFORMERS_OFFLINE": value]).offline, "\(value)")
    }
    for value in ["0", "false", "", "no"] {
      #expect(!HubConfiguration.fromEnvironment(["HF_HUB_OFFLINE": value]).offline, "\(value)")
    }
  }

  @Test func tokenFileUnderHFHomeIsRead() throws {
    let home = try TestCheckpoint.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: home) }
    try Data("hf_from_file\n".utf8).write(to: home.appendingPathComponent("token"))
    #expect(HubConfiguration.fromEnvironment(["HF_HOME": home.path]).token == "hf_from_file")
    #expect(HubConfiguration.fromEnvironment(["HF_HOME": home.path, "HF_TOKEN": "hf_env"]).token == "hf_env")
  }
}
