import KernelIntrinsics

/// The kernels that compute a quantized query's integer dot products with `QuantizedRows`' panels. Both give the
/// same exact `Int32` sums, so the prefilter's candidates (and everything after) do not depend on the choice.
package enum Int8SearchKernel: Sendable, Equatable, CaseIterable {
  /// AVX-512 VNNI `vpdpbusd`, one 64-byte load per group of 4 depths and 16 rows (KernelIntrinsics).
  case vnni512
  /// Plain Swift SIMD on any CPU (AVX2 code in the default x86_64 build): 32-bit multiplies of widened bytes.
  case portable

  /// The fastest kernel this build and CPU can run.
  package static let best: Int8SearchKernel = available[0]

  /// Every kernel this build and CPU can run, fastest first.
  package static let available: [Int8SearchKernel] = allCases.filter { kernel in
    switch kernel {
    case .vnni512: Int8RowDotKernel.isCompiled && CPUFeatures.current.missing(CPUFeatures.vnni512Flags).isEmpty
    case .portable: true
    }
  }

  /// For logs and benchmarks.
  package var description: String {
    switch self {
    case .vnni512: "AVX-512 VNNI (vpdpbusd)"
    case .portable: "portable Swift"
    }
  }

  /// The sums of `panelCount` panels from `first` (`Int8RowDotKernel.dots`' contract) into `sums`.
  func dots(_ rows: QuantizedRows, firstPanel: Int, panelCount: Int, query: QuantizedQuery,
            sums: UnsafeMutablePointer<Int32>) {
    precondition(firstPanel >= 0 && panelCount >= 0 && firstPanel + panelCount <= rows.panelCount,
                 "Int8SearchKernel: panels \(firstPanel) + \(panelCount) of \(rows.panelCount)")
    precondition(query.words.count == rows.groups && query.integers.count == rows.groups * 4,
                 "Int8SearchKernel: a query of \(query.words.count) groups for rows of \(rows.groups)")
    let panels = UnsafePointer(rows.panels.pointer + firstPanel * rows.panelBytes)
    switch self {
    case .vnni512:
      precondition(Self.available.contains(.vnni512), "Int8SearchKernel: no VNNI on this machine")
      query.words.withUnsafeBufferPointer { words in
        Int8RowDotKernel.dots(panels: panels, panelCount: panelCount, groups: rows.groups, query: words.baseAddress!,
                              sums: sums)
      }
    case .portable:
      query.integers.withUnsafeBufferPointer { integers in
        portableRowDots(panels, panelCount, rows.groups, integers.baseAddress!, sums)
      }
    }
  }
}

/// `Int8RowDotKernel.dots` in plain Swift, the query as one `Int32` per depth. Each group's 64 bytes are read as 16
/// words (one per row), and each of their bytes (the rows' unsigned values) is shifted out, widened and multiplied by
/// the depth's query integer: the same exact sums.
private func portableRowDots(_ panels: UnsafePointer<UInt8>, _ panelCount: Int, _ groups: Int,
                             _ query: UnsafePointer<Int32>, _ sums: UnsafeMutablePointer<Int32>) {
  let bytes = SIMD16<UInt32>(repeating: 0xFF)
  for index in 0..<panelCount {
    let panel = UnsafeRawPointer(panels + index * groups * 64)
    var a0 = SIMD16<Int32>(), a1 = SIMD16<Int32>()
    for group in 0..<groups {
      let words = panel.loadUnaligned(fromByteOffset: group &* 64, as: SIMD16<UInt32>.self)
      let q = query + group &* 4
      let d0 = SIMD16<Int32>(truncatingIfNeeded: words & bytes)
      let d1 = SIMD16<Int32>(truncatingIfNeeded: (words &>> 8) & bytes)
      let d2 = SIMD16<Int32>(truncatingIfNeeded: (words &>> 16) & bytes)
      let d3 = SIMD16<Int32>(truncatingIfNeeded: words &>> 24)
      a0 &+= d0 &* SIMD16(repeating: q[0]) &+ d1 &* SIMD16(repeating: q[1])
      a1 &+= d2 &* SIMD16(repeating: q[2]) &+ d3 &* SIMD16(repeating: q[3])
    }
    UnsafeMutableRawPointer(sums + index * 16).storeBytes(of: a0 &+ a1, as: SIMD16<Int32>.self)
  }
}
