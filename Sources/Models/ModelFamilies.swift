import Foundation
import Hub
import Kernels
import Transformer

/// The registry of the families served, chosen once per checkpoint by its `config.json`'s `model_type`.
public enum ModelFamilies {
  /// Every family served, CLIP first: a config without `model_type` (as some old CLIP uploads) is CLIP's.
  public static let all: [ModelFamily] = [.clip, .siglip, .siglip2]

  /// Every `model_type` served, in registry order.
  public static var modelTypes: [String] { all.flatMap(\.modelTypes) }

  /// The family serving `modelType` (nil: the first family's, for configs that name none).
  /// - Throws: `CheckpointError.unsupportedModel` naming it and the types served.
  public static func family(modelType: String?) throws -> ModelFamily {
    guard let modelType else { return all[0] }
    guard let family = all.first(where: { $0.modelTypes.contains(modelType) }) else {
      throw CheckpointError.unsupportedModel(modelType: modelType, supported: modelTypes)
    }
    return family
  }

  /// The family a `config.json` document names.
  /// - Throws: `CheckpointError.invalidConfig` when it is not a JSON object, `.unsupportedModel` for a type no
  ///   family serves.
  public static func family(config: [UInt8]) throws -> ModelFamily {
    guard let object = try? JSONSerialization.jsonObject(with: Data(config)) as? [String: Any] else {
      throw CheckpointError.invalidConfig(reason: "config.json is not a JSON object")
    }
    return try family(modelType: object["model_type"] as? String)
  }

  /// The family of the checkpoint in `directory`.
  public static func family(directory: URL) throws -> ModelFamily {
    try family(config: Array(CheckpointFile.contents("config.json", in: directory)))
  }

  /// Loads the checkpoint in `directory` with the family its config names, the encoder layers' linear weights at
  /// `precision` (`.float32`, the default, computes exactly as `transformers` does).
  public static func load(directory: URL, precision: LinearPrecision = .float32) throws -> any EmbeddingModel {
    try family(directory: directory).load(directory, precision)
  }

  /// The files to fetch for a config (the first family's before one is known), for `ModelResolver`.
  public static let files: CheckpointFileChooser = { config in
    guard let config else { return all[0].files }
    return try family(config: config).files
  }
}
