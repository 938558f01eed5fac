/// The pointwise activation applied after a linear layer, as named by `hidden_act` in CLIP configs.
public enum Activation: String, Sendable, CaseIterable {
  /// No activation.
  case identity
  /// `x * sigmoid(1.702 * x)`, OpenAI CLIP's activation.
  case quickGELU = "quick_gelu"
  /// The exact GELU, `0.5 * x * (1 + erf(x / sqrt(2)))`, as `torch.nn.functional.gelu`.
  case gelu
  /// The tanh approximation of GELU (`gelu_new`, `gelu_pytorch_tanh`).
  case geluTanh = "gelu_new"
}
