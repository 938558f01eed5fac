import Kernels

extension Activation {
  /// The activation `hidden_act` names, with the aliases `transformers`' `ACT2FN` maps to the same function.
  ///
  /// - Throws: `CheckpointError.unsupportedActivation` for any other name.
  public init(configName name: String) throws {
    switch name {
    case "quick_gelu": self = .quickGELU
    case "gelu": self = .gelu
    case "gelu_new", "gelu_pytorch_tanh": self = .geluTanh
    default: throw CheckpointError.unsupportedActivation(name)
    }
  }
}
