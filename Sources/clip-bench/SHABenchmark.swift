import Foundation
import Kernels

/// `clip-bench sha [--runs N] [--cpu-time]`: SHA-256 throughput (the image cache's keys) on 12 KiB and 1 MiB inputs:
/// the scalar Swift SHA256 the worker had before SHA256Blocks (`LegacySHA256` below, kept only here), the portable
/// path, the SHA-NI path when this CPU and build have it, and Python's hashlib (OpenSSL) run alternately with ours.
/// Medians of `--runs` runs, in MB/s (10⁶ bytes).
struct SHABenchmark {
  let options: BenchOptions

  init(arguments: [String]) throws { options = try BenchOptions(arguments: arguments) }

  func run() throws {
    let reference = try PythonReference(script: "sha256_reference.py", environment: [:])
    let paths = SHA256Blocks.Path.allCases.filter(\.isAvailable)
    print("SHA-256, \(options.clockName), median of \(options.runs) runs, MB/s; best path: \(SHA256Blocks.best)")
    print("size        legacy   " + paths.map { $0.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0) }
      .joined() + "hashlib")
    for size in [12 << 10, 1 << 20] {
      let bytes = (0..<size).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }
      let expected = LegacySHA256.hash(bytes)
      for path in paths where SHA256Hasher.hash(bytes, path: path) != expected {
        throw BenchError.referenceFailed(script: "sha", reason: "\(path) digest differs from the legacy one")
      }
      var legacy: [Double] = [], ours = [[Double]](repeating: [], count: paths.count), python: [Double] = []
      for _ in 0..<options.runs {
        legacy.append(options.secondsPerCall { _ = LegacySHA256.hash(bytes) })
        for (index, path) in paths.enumerated() {
          ours[index].append(options.secondsPerCall { _ = SHA256Hasher.hash(bytes, path: path) })
        }
        let reply = try reference.ask("\(size)").split(separator: " ")
        guard reply.count == 2, let seconds = Double(reply[0]) else {
          throw BenchError.referenceFailed(script: reference.script, reason: "bad reply \(reply)")
        }
        python.append(seconds)
      }
      func rate(_ seconds: [Double]) -> String {
        let median = seconds.sorted()[seconds.count / 2]
        return String(format: "%-9.0f", Double(size) / median / 1e6)
      }
      let label = size >= 1 << 20 ? "\(size >> 20) MiB" : "\(size >> 10) KiB"
      print(label.padding(toLength: 12, withPad: " ", startingAt: 0) + rate(legacy) + ours.map(rate).joined()
        + rate(python))
    }
  }
}

/// The worker's SHA-256 before SHA256Blocks (Worker/Inputs/SHA256.swift at 0a87477), unchanged but for its name:
/// the baseline of the benchmark.
private struct LegacySHA256 {
  private static let roundConstants: [UInt32] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]
  private var state: [UInt32] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]
  private var pending: [UInt8] = []
  private var totalLength: UInt64 = 0
  private var schedule = [UInt32](repeating: 0, count: 64)

  static func hash(_ bytes: [UInt8]) -> [UInt8] {
    var hasher = LegacySHA256()
    hasher.update(bytes)
    return hasher.finalize()
  }

  mutating func update(_ bytes: [UInt8]) {
    totalLength &+= UInt64(bytes.count)
    var offset = 0
    if !pending.isEmpty {
      let taken = min(64 - pending.count, bytes.count)
      pending.append(contentsOf: bytes[0..<taken])
      offset = taken
      guard pending.count == 64 else { return }
      compress(pending, at: 0)
      pending.removeAll(keepingCapacity: true)
    }
    while bytes.count - offset >= 64 {
      compress(bytes, at: offset)
      offset += 64
    }
    pending.append(contentsOf: bytes[offset...])
  }

  mutating func finalize() -> [UInt8] {
    let bitLength = totalLength &* 8
    var padding: [UInt8] = [0x80]
    padding.append(contentsOf: repeatElement(0, count: (119 - pending.count) % 64))
    for shift in stride(from: 56, through: 0, by: -8) { padding.append(UInt8(truncatingIfNeeded: bitLength >> shift)) }
    let savedLength = totalLength
    update(padding)
    totalLength = savedLength
    return state.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (24 - 8 * $0)) } }
  }

  private mutating func compress(_ bytes: [UInt8], at offset: Int) {
    for t in 0..<16 {
      let base = offset + 4 * t
      schedule[t] =
        UInt32(bytes[base]) << 24 | UInt32(bytes[base + 1]) << 16 | UInt32(bytes[base + 2]) << 8
        | UInt32(bytes[base + 3])
    }
    for t in 16..<64 {
      let w15 = schedule[t - 15], w2 = schedule[t - 2]
      let s0 = rotateRight(w15, 7) ^ rotateRight(w15, 18) ^ (w15 >> 3)
      let s1 = rotateRight(w2, 17) ^ rotateRight(w2, 19) ^ (w2 >> 10)
      schedule[t] = schedule[t - 16] &+ s0 &+ schedule[t - 7] &+ s1
    }
    var a = state[0], b = state[1], c = state[2], d = state[3]
    var e = state[4], f = state[5], g = state[6], h = state[7]
    for t in 0..<64 {
      let s1 = rotateRight(e, 6) ^ rotateRight(e, 11) ^ rotateRight(e, 25)
      let choice = (e & f) ^ (~e & g)
      let temp1 = h &+ s1 &+ choice &+ LegacySHA256.roundConstants[t] &+ schedule[t]
      let s0 = rotateRight(a, 2) ^ rotateRight(a, 13) ^ rotateRight(a, 22)
      let majority = (a & b) ^ (a & c) ^ (b & c)
      let temp2 = s0 &+ majority
      h = g; g = f; f = e; e = d &+ temp1
      d = c; c = b; b = a; a = temp1 &+ temp2
    }
    state[0] &+= a; state[1] &+= b; state[2] &+= c; state[3] &+= d
    state[4] &+= e; state[5] &+= f; state[6] &+= g; state[7] &+= h
  }

  private func rotateRight(_ value: UInt32, _ count: UInt32) -> UInt32 { value >> count | value << (32 - count) }
}
