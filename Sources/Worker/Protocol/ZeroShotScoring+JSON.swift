import JSONRPC
import Models

extension ZeroShotScoring {
  /// How `initialize` describes the score function, so that a client can rebuild `classify`'s scores from
  /// embeddings: `{function: "softmax", logitScale}` or `{function: "sigmoid", logitScale, logitBias}`.
  var json: JSONValue {
    switch self {
    case let .softmax(scale): ["function": "softmax", "logitScale": JSONValue(scale)]
    case let .sigmoid(scale, bias): ["function": "sigmoid", "logitScale": JSONValue(scale), "logitBias": JSONValue(bias)]
    }
  }
}
