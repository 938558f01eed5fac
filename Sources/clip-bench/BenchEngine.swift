import CLIP
import Foundation
import Kernels
import Models
import SigLIP

/// What `clip-bench embed` times of a family's engine: pixel tensors (no preprocessing) and texts.
protocol BenchEngine {
  var familyName: String { get }
  var imageSize: Int { get }
  func imageEmbeddings(pixelTensors: [[Float]]) -> [[Float]]
  func textEmbeddings(_ texts: [String]) -> [[Float]]
}

extension CLIPEngine: BenchEngine {
  var familyName: String { "CLIPEngine" }
  var imageSize: Int { model.config.vision.imageSize }
}

extension SiglipEngine: BenchEngine {
  var familyName: String { "SiglipEngine" }
  var imageSize: Int { model.config.vision.imageSize }
  func imageEmbeddings(pixelTensors: [[Float]]) -> [[Float]] { model.vision.embed(pixelTensors: pixelTensors) }
}

/// The engine of the family `directory`'s config names, through the registry as the worker loads it.
func benchEngine(directory: URL, precision: LinearPrecision) throws -> any BenchEngine {
  try benchEngine(ModelFamilies.load(directory: directory, precision: precision))
}

/// `loaded` as a `BenchEngine`; a family without pixel tensors of one size (SigLIP 2 NaFlex: `clip-bench embed`
/// times it on images) is refused.
func benchEngine(_ loaded: any EmbeddingModel) throws -> any BenchEngine {
  guard let engine = loaded as? any BenchEngine else { throw BenchError.badArgument("no benchmark for \(type(of: loaded))") }
  return engine
}
