import Foundation
import Hub
import Models
import Testing
import Transformer

/// The registry: a checkpoint's `model_type` picks its family, anything else is refused by name.
@Suite(.timeLimit(.minutes(5))) struct ModelFamiliesTests {
  @Test func clipIsChosenByItsModelTypeAndWhenNoneIsNamed() throws {
    #expect(try ModelFamilies.family(config: Array(#"{"model_type": "clip"}"#.utf8)).name == "clip")
    #expect(try ModelFamilies.family(config: Array(#"{"projection_dim": 512}"#.utf8)).name == "clip")
    #expect(ModelFamilies.modelTypes.first == "clip")
  }

  @Test func anArchitectureNoFamilyServesIsRefusedNamingItAndTheServedOnes() throws {
    let error = CheckpointError.unsupportedModel(modelType: "bert", supported: ModelFamilies.modelTypes)
    #expect(throws: error) { try ModelFamilies.family(config: Array(#"{"model_type": "bert"}"#.utf8)) }
    #expect(error.description.contains("\"bert\"") && error.description.contains("\"clip\""))
    #expect(throws: CheckpointError.invalidConfig(reason: "config.json is not a JSON object")) {
      try ModelFamilies.family(config: Array("[1]".utf8))
    }
  }

  @Test func theHubFetchesTheChosenFamilysFiles() throws {
    let clip = try ModelFamilies.files(Array(#"{"model_type": "clip"}"#.utf8))
    #expect(clip == ModelFamily.clip.files)
    #expect(try ModelFamilies.files(nil) == ModelFamily.clip.files)
    #expect(clip.required.map(\.name) == ["preprocessor_config.json", "tokenizer.json (or vocab.json and merges.txt)"])
    #expect(throws: CheckpointError.self) { try ModelFamilies.files(Array(#"{"model_type": "bert"}"#.utf8)) }
  }
}
