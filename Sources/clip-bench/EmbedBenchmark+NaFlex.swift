import Dispatch
import Foundation
import ImageCodecs
import ImageProcessing
import SigLIP

/// `clip-bench embed` on a SigLIP 2 NaFlex checkpoint (`model_type` siglip2, `--naflex` for the full-size random
/// base/16 one): the same images of several aspect ratios on both sides, each cut into patches by its processor
/// once (ours: `NaFlexImageProcessor`; transformers: `Siglip2ImageProcessorPil`, its output padded to
/// `max_num_patches` with the mask, as the pipeline passes it), then the vision towers timed on those patches at
/// batch 1 and 16, and 8 labels; then the lowest cosine of our embeddings against transformers' (the 16 images and
/// the 64 texts of `clip-bench runtimes`).
extension EmbedBenchmark {
  /// The images' sizes (width, height), cycled to 16: landscape, portrait, square, a panorama and a tall strip.
  static let naflexSizes = [(640, 480), (480, 640), (512, 512), (1024, 256), (300, 200), (200, 900), (224, 224),
                            (1600, 300)]

  func runNaFlex(_ engine: Siglip2Engine, loadSeconds: Double, beforeLoad: Int, afterLoadPeak: Int) throws
    -> [SpeedFigure]
  {
    var configuration = engine.imageProcessor.configuration
    configuration.maxNumPatches = maxNumPatches ?? configuration.maxNumPatches
    let processor = try NaFlexImageProcessor(configuration: configuration)
    let largest = batches.max() ?? 1
    var generator = SplitMix(seed: 2024)
    let images = (0..<max(16, largest)).map { index in
      let (width, height) = Self.naflexSizes[index % Self.naflexSizes.count]
      return RGBImage(width: width, height: height, pixels: (0 ..< width * height * 3).map { _ in
        UInt8(truncatingIfNeeded: Int((generator.nextFloat() + 1) * 128))
      })
    }
    let patches = images.map { processor($0) }
    let imageFile = FileManager.default.temporaryDirectory
      .appendingPathComponent("clip-bench-embed-\(ProcessInfo.processInfo.processIdentifier).rgb")
    try Data(images.flatMap(\.pixels)).write(to: imageFile)
    defer { try? FileManager.default.removeItem(at: imageFile) }

    let torch = try PythonReference(script: "embed.py", environment: ["CLIP_BENCH_THREADS": String(threads)])
    let sizes = "[" + images.map { "[\($0.width),\($0.height)]" }.joined(separator: ",") + "]"
    let line = try torch.ask("load-naflex \(model.path) \(imageFile.path) \(sizes) \(configuration.maxNumPatches)")
    let loaded = try Reply(line, from: torch)
    let theirPatches = (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["patches"]
      as? [Int] ?? []
    guard theirPatches == patches.map(\.count) else {
      throw BenchError.referenceFailed(script: torch.script, reason: "its processor made \(theirPatches) patches, "
                                       + "ours \(patches.map(\.count))")
    }
    let versions = (loaded.versions ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
    print("clip-bench embed: \(model.path), Siglip2Engine (NaFlex, max_num_patches \(configuration.maxNumPatches)) "
          + "\(precision.rawValue) (\(threads) threads) vs transformers Siglip2Model F32 "
          + "(\(versions.joined(separator: ", ")), \(loaded.threads ?? 0) threads); medians of \(runs) rounds, "
          + "wall clock and process CPU time; load average \(loadAverage())")
    print("images: " + images.prefix(Self.naflexSizes.count).enumerated().map { index, image in
      "\(image.width)x\(image.height) -> \(patches[index].rows)x\(patches[index].columns)"
    }.joined(separator: ", ") + " patches (cycled to \(images.count)); the processors are not timed, and "
          + "transformers' tower takes \(configuration.maxNumPatches) rows per image (the padding masked)")

    print(tableRow(["figure"], width: 22) + tableRow(["ours ms", "ref ms", "ratio", "target"], width: 10)
          + tableRow(["ours cpu ms", "ref cpu ms", "cpu ratio"], width: 12))
    var figures: [SpeedFigure] = []
    for batch in batches {
      let inputs = Array(patches.prefix(batch))
      let (ours, theirs) = try alternate(ours: { _ = engine.model.vision.embed(inputs) },
                                         theirs: { try Reply(torch.ask("image \(batch)"), from: torch).timing() })
      // Issue 15's target for SigLIP base/16 at batch 1.
      figures.append(printRow("image/img, batch \(batch)", ours, theirs, items: batch, target: batch == 1 ? 1.5 : 1))
    }
    let labelsJSON = String(decoding: try JSONEncoder().encode(labels), as: UTF8.self)
    let (ours, theirs) = try alternate(ours: { _ = engine.textEmbeddings(labels) },
                                       theirs: { try Reply(torch.ask("text \(labelsJSON)"), from: torch).timing() })
    figures.append(printRow("text/label, \(labels.count) labels", ours, theirs, items: labels.count, target: 1))
    let referenceLoad = format(loaded.loadSeconds ?? .nan, digits: 2)
    print("load: ours \(format(loadSeconds, digits: 2)) s, reference \(referenceLoad) s; "
          + "peak RSS, ours: \(megabytes(ProcessMemory.peakBytes)) MB (after load \(megabytes(afterLoadPeak)) MB, "
          + "before \(megabytes(beforeLoad)) MB)")

    let texts = RuntimesBenchmark.fidelityTexts
    let textsJSON = String(decoding: try JSONEncoder().encode(texts), as: UTF8.self)
    let ourImages = stride(from: 0, to: patches.count, by: 16).flatMap {
      engine.model.vision.embed(Array(patches[$0 ..< min($0 + 16, patches.count)]))
    }
    let imageCosine = lowestCosine(ourImages, try torch.embeddings("embed-images"))
    let textCosine = lowestCosine(engine.textEmbeddings(texts), try torch.embeddings("embed-texts \(textsJSON)"))
    print("fidelity: lowest cosine against transformers F32: \(format(imageCosine, digits: 8)) over the "
          + "\(patches.count) images, \(format(textCosine, digits: 8)) over \(texts.count) texts")
    let bound = precision == .float32 ? 0.99999 : precision == .int8 ? 0.9995 : 0.99995
    figures.append(SpeedFigure(name: "NaFlex lowest cosine vs transformers (\(precision.rawValue))", ours: "",
                               reference: "", ratio: min(imageCosine, textCosine), target: ">= \(bound)",
                               met: min(imageCosine, textCosine) >= bound))
    _ = try? torch.ask("quit")
    return figures
  }
}
