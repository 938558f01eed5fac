/// Why a checkpoint directory was refused, whatever its model family.
///
/// File-level problems of the weights (corrupt header, truncated file, unsupported dtype, ...) are thrown
/// as `SafeTensorsError` by the SafeTensors module; these are the model-level ones.
public enum CheckpointError: Error, Equatable, Sendable {
  /// A file the checkpoint needs is absent or unreadable.
  case unreadableFile(path: String, reason: String)
  /// `config.json` names an architecture no model family serves; `supported` lists the `model_type`s served.
  case unsupportedModel(modelType: String, supported: [String])
  /// `config.json` is not a valid configuration of its family.
  case invalidConfig(reason: String)
  /// `hidden_act` names an activation the engine does not implement.
  case unsupportedActivation(String)
  /// The model needs a tensor the checkpoint does not hold.
  case missingTensor(String)
  /// The checkpoint holds a tensor the model does not use (and `transformers` would not ignore).
  case unexpectedTensor(String)
  /// A tensor's shape differs from what the configuration implies.
  case shapeMismatch(tensor: String, expected: [Int], found: [Int])
  /// The tokenizer has more tokens than the text model has embeddings.
  case tokenizerMismatch(tokenizerVocabulary: Int, modelVocabulary: Int)
  /// The image processor's output is not the square the vision model takes.
  case preprocessorMismatch(outputWidth: Int, outputHeight: Int, imageSize: Int)
}

extension CheckpointError: CustomStringConvertible {
  public var description: String {
    switch self {
    case let .unreadableFile(path, reason): return "cannot read \(path): \(reason)"
    case let .unsupportedModel(modelType, supported):
      let served = supported.map { "\"\($0)\"" }.joined(separator: ", ")
      return "unsupported model: config.json has model_type \"\(modelType)\"; the model types served are \(served)"
    case let .invalidConfig(reason): return "invalid config.json: \(reason)"
    case let .unsupportedActivation(name): return "unsupported hidden_act \"\(name)\""
    case let .missingTensor(name): return "checkpoint lacks tensor \(name)"
    case let .unexpectedTensor(name): return "checkpoint has unexpected tensor \(name)"
    case let .shapeMismatch(tensor, expected, found):
      return "tensor \(tensor) has shape \(found), the configuration implies \(expected)"
    case let .tokenizerMismatch(tokenizer, model):
      return "the tokenizer has \(tokenizer) tokens but the text model embeds only \(model)"
    case let .preprocessorMismatch(width, height, size):
      return "preprocessor_config.json yields \(width)×\(height) images; the vision model takes \(size)×\(size)"
    }
  }
}

extension CheckpointError {
  /// `.invalidConfig` saying where and why `config.json` did not decode.
  public static func invalidConfig(_ error: DecodingError) -> CheckpointError {
    .invalidConfig(reason: describe(error))
  }

  private static func describe(_ error: DecodingError) -> String {
    func path(_ context: DecodingError.Context) -> String {
      context.codingPath.map(\.stringValue).joined(separator: ".")
    }
    switch error {
    case let .dataCorrupted(context): return "not valid JSON: \(context.debugDescription)"
    case let .keyNotFound(key, context): return "missing \(key.stringValue) at \(path(context))"
    case let .typeMismatch(type, context): return "\(path(context)) is not of type \(type)"
    case let .valueNotFound(type, context): return "\(path(context)) has no \(type) value"
    @unknown default: return "\(error)"
    }
  }
}
