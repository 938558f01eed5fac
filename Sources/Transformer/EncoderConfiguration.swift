import Kernels

/// What the encoder stack needs of a tower's configuration; every family's tower configurations have it.
public protocol EncoderConfiguration {
  var hiddenSize: Int { get }
  var intermediateSize: Int { get }
  var numHiddenLayers: Int { get }
  var numAttentionHeads: Int { get }
  var hiddenAct: Activation { get }
  var layerNormEps: Float { get }
}
