// clip-bench: benchmarks of clip-worker's engine against the Python reference. Not tests: numbers for people.
//
//   clip-bench matmul [--runs N] [--threads N] [--quick]   our linear layer against NumPy/OpenBLAS
//
// Each subcommand is a type with `run(_ arguments:)`; add new ones to `commands`.
import Foundation

let commands: [String: ([String]) throws -> Void] = [
  "matmul": { try MatmulBenchmark(arguments: $0).run() },
]

let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first, let command = commands[name] else {
  FileHandle.standardError.write(Data("usage: clip-bench <\(commands.keys.sorted().joined(separator: "|"))> [options]\n".utf8))
  exit(2)
}
do {
  try command(Array(arguments.dropFirst()))
} catch {
  FileHandle.standardError.write(Data("clip-bench \(name): \(error)\n".utf8))
  exit(1)
}
