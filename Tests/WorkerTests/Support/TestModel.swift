import Dispatch
import Foundation
import ImageCodecs
import Models

@testable import Worker

/// A deterministic stand-in for CLIP: embeddings are simple functions of the input bytes, every forward
/// pass is recorded, and passes can be held at a gate to make timing-dependent behaviour (coalescing,
/// cancellation, out-of-order answers) deterministic.
final class TestModel: EmbeddingModel {
  enum Kind: Equatable { case text, image }

  let properties = ModelProperties(family: "test", embeddingDimension: 8, imageSize: 4, contextLength: 77, dtype: "float32")
  let scoring = ZeroShotScoring.softmax(logitScale: 100)
  private let passes = Locked<[(kind: Kind, count: Int)]>([])
  private let gate = Locked<DispatchSemaphore?>(nil)

  /// Holds every forward pass until `open()`.
  func close() { gate.withLock { $0 = DispatchSemaphore(value: 0) } }

  func open() {
    let semaphore: DispatchSemaphore? = gate.withLock { semaphore in
      defer { semaphore = nil }
      return semaphore
    }
    // Wake every pass that is or will be waiting on it.
    for _ in 0..<64 { semaphore?.signal() }
  }

  /// The batch sizes of the passes so far, per kind.
  func batchSizes(_ kind: Kind) -> [Int] { passes.withLock { $0.filter { $0.kind == kind }.map(\.count) } }

  private func pass(_ kind: Kind, _ count: Int) {
    passes.withLock { $0.append((kind, count)) }
    gate.withLock { $0 }?.wait()
  }

  func textEmbeddings(_ texts: [String]) -> [[Float]] {
    pass(.text, texts.count)
    return texts.map { TestModel.textEmbedding($0) }
  }

  func imageEmbeddings(_ images: [RGBImage]) -> [[Float]] {
    pass(.image, images.count)
    return images.map { TestModel.embedding(of: $0.pixels, seed: $0.width * 31 + $0.height) }
  }

  /// `vector / ‖vector‖₂` as the worker must compute it (norm summed in doubles), written apart from it.
  static func normalized(_ vector: [Float]) -> [Float] {
    var sum = 0.0
    for value in vector { sum += Double(value) * Double(value) }
    let norm = Float(sum.squareRoot())
    return norm > 0 ? vector.map { $0 / norm } : vector
  }

  /// The pipeline's softmax scores at this model's logit scale, in doubles, written apart from the worker's.
  static func expectedScores(image: [Float], texts: [[Float]]) -> [Double] {
    func norm(_ v: [Float]) -> Double { v.map { Double($0) * Double($0) }.reduce(0, +).squareRoot() }
    let logits = texts.map { text in
      100 * zip(image, text).map { Double($0) * Double($1) }.reduce(0, +) / (norm(image) * norm(text))
    }
    let top = logits.max() ?? 0
    let e = logits.map { exp($0 - top) }
    return e.map { $0 / e.reduce(0, +) }
  }

  static func textEmbedding(_ text: String) -> [Float] { embedding(of: Array(text.utf8), seed: 7) }

  /// Eight values in 1...97 mixing every byte: distinct inputs give distinct, non-zero vectors.
  static func embedding(of bytes: [UInt8], seed: Int) -> [Float] {
    (0..<8).map { component in
      var hash = seed &* 1_000_003 &+ component
      for byte in bytes { hash = (hash &* 31 &+ Int(byte)) & 0x7FFF_FFFF }
      return Float(hash % 97 + 1)
    }
  }
}

/// Tiny binary PPM files ("P6 width height 255\n" then RGB bytes): the image format of the in-process tests,
/// decoded by `decodePPM`.
enum TestImages {
  static func ppm(width: Int, height: Int, seed: UInt8) -> [UInt8] {
    Array("P6 \(width) \(height) 255\n".utf8) + (0..<width * height * 3).map { UInt8(truncatingIfNeeded: $0) &+ seed }
  }

  /// Writes a PPM file into a fresh temporary directory; returns its path.
  static func file(_ bytes: [UInt8], name: String = "image.ppm") throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("worker-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
  }
}

enum PPMError: Error, CustomStringConvertible {
  case notPPM
  var description: String { "not a PPM file" }
}

/// The decoder of the in-process tests.
let decodePPM: ImageDecoder = { bytes, limits in
  guard let newline = bytes.firstIndex(of: 0x0A) else { throw PPMError.notPPM }
  let header = String(decoding: bytes[..<newline], as: UTF8.self).split(separator: " ")
  guard header.count == 4, header[0] == "P6", let width = Int(header[1]), let height = Int(header[2]) else {
    throw PPMError.notPPM
  }
  try limits.check(width: width, height: height)
  let pixels = Array(bytes[(newline + 1)...])
  guard pixels.count == width * height * 3 else { throw PPMError.notPPM }
  return RGBImage(width: width, height: height, pixels: pixels)
}
