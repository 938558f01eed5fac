// clip-bench: benchmarks of clip-worker's engine against the Python reference. Not tests: numbers for people.
//
//   clip-bench matmul    [--runs N] [--threads N] [--quick] [--cpu-time]   linear layers against NumPy/OpenBLAS
//   clip-bench precision [--runs N] [--threads N] [--quick] [--fidelity]  linear at bf16 and int8 against our f32
//   clip-bench attention [--runs N] [--threads N] [--quick] [--cpu-time]   attention against PyTorch SDPA
//   clip-bench embed     [--model DIR] [--runs N] [--threads N]            embeddings against transformers' CLIPModel
//                        [--naflex] [--max-num-patches N]                (SiglipModel, Siglip2Model: SigLIP 2 NaFlex)
//   clip-bench images    [--runs N] [--python PATH] [--keep DIR]           decode + preprocess against Pillow
//   clip-bench classify  [--model DIR] [--runs N] [--startup-runs N]       clip-worker end to end against the
//                                                                          transformers zero-shot pipeline
//   clip-bench soak      [--requests N] [--model DIR] [--images DIR] [--cache-mb N]   100k pipelined requests
//   clip-bench store     [--entries N] [--images N] [--model DIR] [--runs N]   the persistent store: open time,
//                                                                          index size, warm rate, cost of writing
//   clip-bench search    [--entries N] [--runs N] [--threads N]         one search query over 10k, 100k, 1M vectors
//   clip-bench index     [--images N] [--model DIR] [--runs N]         index of N new JPEGs against encodeImage,
//                                                                          re-index with nothing changed
//   clip-bench sha       [--runs N] [--cpu-time]                        SHA-256 MB/s: the old scalar, portable,
//                                                                          SHA-NI, against Python's hashlib
//   clip-bench runtimes  [--model DIR] [--runs N] [--batches 1,16]        ours f32/int8/bf16 against PyTorch, ONNX
//                                                                          Runtime f32/int8, OpenVINO f32
//   clip-bench speed     [--model DIR] [--runs N]                        matmul, embed and classify, then one
//                                                                          summary of every figure and its target
//
// Each subcommand is a type built from its arguments with a `run()`; add new ones to `commands`.
import Foundation

let commands: [String: ([String]) throws -> Void] = [
  "matmul": { try MatmulBenchmark(arguments: $0).run() },
  "precision": { try PrecisionBenchmark(arguments: $0).run() },
  "attention": { try AttentionBenchmark(arguments: $0).run() },
  "embed": { try EmbedBenchmark(arguments: $0).run() },
  "images": { try ImageBenchmark.run(arguments: $0) },
  "classify": { try ClassifyBenchmark(arguments: $0).run() },
  "soak": { try SoakBenchmark(arguments: $0).run() },
  "store": { try StoreCommand(arguments: $0).run() },
  "search": { try SearchBenchmark(arguments: $0).run() },
  "index": { try IndexBenchmark(arguments: $0).run() },
  "runtimes": { try RuntimesBenchmark(arguments: $0).run() },
  "speed": { try SpeedReport(arguments: $0).run() },
  "sha": { try SHABenchmark(arguments: $0).run() },
]

let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first, let command = commands[name] else {
  let names = commands.keys.sorted().joined(separator: "|")
  FileHandle.standardError.write(Data("usage: clip-bench <\(names)> [options]\n".utf8))
  exit(2)
}
do {
  try command(Array(arguments.dropFirst()))
} catch {
  FileHandle.standardError.write(Data("clip-bench \(name): \(error)\n".utf8))
  exit(1)
}
