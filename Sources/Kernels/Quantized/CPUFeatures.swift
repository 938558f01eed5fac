import Foundation
#if canImport(Darwin)
import Darwin
#endif

/// The instruction-set extensions of this CPU that the quantized kernels and SHA-256 care about, and its vendor
/// (for a choice between code paths that are equal in result but not in speed on every maker's cores), read once
/// per process.
///
/// There is no `cpuid` in Swift (and no inline assembly), so on Linux the kernel's view is read from
/// `/proc/cpuinfo`'s `flags` (Linux lists an AVX-512 flag only when it also saves the registers: the OS side is
/// covered), on macOS from `sysctl hw.optional.*`. Elsewhere, or when neither answers, nothing is assumed.
package struct CPUFeatures: Sendable, Equatable {
  /// The extensions present, by their Linux `/proc/cpuinfo` names (`avx2`, `avx512f`, `avx512_vnni`, ...).
  package var flags: Set<String>
  /// `/proc/cpuinfo`'s `vendor_id` (`AuthenticAMD`, `GenuineIntel`); nil where it is not read (macOS, arm64).
  package var vendor: String?

  package init(flags: Set<String>, vendor: String? = nil) {
    self.flags = flags
    self.vendor = vendor
  }

  /// This machine's, read on first use.
  package static let current = read()

  /// Whether the CPU is an AMD one (Zen).
  package var isAMD: Bool { vendor == "AuthenticAMD" }

  /// What the VNNI int8 kernel needs (`vpdpbusd` on 512-bit vectors, the byte broadcasts and masks of AVX-512).
  package static let vnni512Flags = ["avx512f", "avx512bw", "avx512vl", "avx512_vnni"]

  /// The members of `required` that this CPU lacks, in order.
  package func missing(_ required: [String]) -> [String] { required.filter { !flags.contains($0) } }

  /// Parses the first `flags` line of `/proc/cpuinfo` text.
  package static func parseCPUInfo(_ text: String) -> Set<String> {
    firstValue("flags", in: text).map { Set($0.split(separator: " ").map(String.init)) } ?? []
  }

  /// The first `vendor_id` of `/proc/cpuinfo` text.
  package static func parseVendor(_ text: String) -> String? {
    let vendor = firstValue("vendor_id", in: text)?.trimmingCharacters(in: .whitespaces)
    return vendor?.isEmpty == false ? vendor : nil
  }

  /// What follows the colon on the first `/proc/cpuinfo` line that starts with `key` and has one.
  private static func firstValue(_ key: String, in text: String) -> Substring? {
    for line in text.split(separator: "\n") where line.hasPrefix(key) {
      if let colon = line.firstIndex(of: ":") { return line[line.index(after: colon)...] }
    }
    return nil
  }

  private static func read() -> CPUFeatures {
    #if os(Linux)
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else {
      return CPUFeatures(flags: [])
    }
    return CPUFeatures(flags: parseCPUInfo(text), vendor: parseVendor(text))
    #else
    return CPUFeatures(flags: readFlags())
    #endif
  }

  private static func readFlags() -> Set<String> {
    #if canImport(Darwin) && arch(x86_64)
    // macOS has no `hw.optional` name for the SHA extensions (`sha_ni`): SHA-256 takes the portable path there.
    let names = ["avx2": "hw.optional.avx2_0", "avx512f": "hw.optional.avx512f", "avx512bw": "hw.optional.avx512bw",
                 "avx512vl": "hw.optional.avx512vl", "avx512_vnni": "hw.optional.avx512vnni",
                 "ssse3": "hw.optional.supplementalsse3", "sse4_1": "hw.optional.sse4_1"]
    return Set(names.compactMap { flag, name in
      var value: Int32 = 0
      var size = MemoryLayout<Int32>.size
      return sysctlbyname(name, &value, &size, nil, 0) == 0 && value != 0 ? flag : nil
    })
    #else
    return []
    #endif
  }
}
