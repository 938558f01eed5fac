import Foundation
import Testing
import Kernels

/// The JPEG sample kernels: inverse DCT, chroma upsampling, row colour conversion.
@Suite(.timeLimit(.minutes(5))) struct JPEGKernelTests {
  /// The exact 2-D inverse DCT of one dequantized block, level-shifted by 128.
  static func exactIDCT(_ block: [Double]) -> [Double] {
    (0..<64).map { index in
      let (y, x) = index.quotientAndRemainder(dividingBy: 8)
      var sum = 0.0
      for v in 0..<8 {
        for u in 0..<8 {
          let cu = u == 0 ? 1 / 2.0.squareRoot() : 1, cv = v == 0 ? 1 / 2.0.squareRoot() : 1
          sum += cu * cv * block[v * 8 + u] * cos(Double(2 * x + 1) * Double(u) * .pi / 16)
            * cos(Double(2 * y + 1) * Double(v) * .pi / 16)
        }
      }
      return sum / 4 + 128
    }
  }

  @Test func inverseDCTIsWithinOneOfTheExactTransformAndPlacesBlocks() {
    // A 2×2 grid inside rows of 3 blocks, after 64 unused coefficients; small coefficients keep samples in range.
    var coefficients = [Int16](repeating: 0, count: 64 + 2 * 3 * 64)
    var state: UInt32 = 5
    for i in coefficients.indices {
      state = state &* 1_664_525 &+ 1_013_904_223
      coefficients[i] = Int16(Int(state >> 27) - 16)
    }
    let quant = (0..<64).map { 1 + $0 % 3 }
    var output = [UInt8](repeating: 0, count: 16 * 16)
    integerInverseDCT(coefficients, start: 64, blocksPerLine: 3, blocksX: 2, blocksY: 2, quantization: quant,
                      into: &output)
    for (by, bx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
      let block = 64 + (by * 3 + bx) * 64
      let exact = Self.exactIDCT((0..<64).map { Double(coefficients[block + $0]) * Double(quant[$0]) })
      for i in 0..<64 {
        let sample = output[(by * 8 + i / 8) * 16 + bx * 8 + i % 8]
        #expect(abs(Double(sample) - min(255, max(0, exact[i]))) <= 1, "block \(by),\(bx) sample \(i)")
      }
    }
  }

  @Test func flatBlockIsTheRoundedDCLevel() {
    var coefficients = [Int16](repeating: 0, count: 64)
    coefficients[0] = -3
    var output = [UInt8](repeating: 9, count: 64)
    integerInverseDCT(coefficients, start: 0, blocksPerLine: 1, blocksX: 1, blocksY: 1,
                      quantization: [Int](repeating: 10, count: 64), into: &output)
    // DC -30 over 8 is -3.75, so the level is 128 - 4.
    #expect(output == [UInt8](repeating: 124, count: 64))
  }

  @Test func h2v1FancyUpsamplingUsesTheTriangleFilter() {
    let upsampler = ChromaUpsampler(samples: [10, 50, 90, 0], stride: 4, width: 3, height: 1, h: 1, v: 1, maxH: 2,
                                    maxV: 1)
    var buffer = [UInt8](repeating: 0, count: 8)
    upsampler.row(0, into: &buffer, at: 1)
    // 3/4 nearer + 1/4 farther with biases 1 and 2 alternating; the ends copy the edge samples.
    let expected: [Int] = [0, 10, (30 + 50 + 2) / 4, (150 + 10 + 1) / 4, (150 + 90 + 2) / 4, (270 + 50 + 1) / 4, 90, 0]
    #expect(buffer.map(Int.init) == expected)
    #expect(upsampler.outputWidth == 6)
  }

  @Test func h2v2FancyUpsamplingWeightsNearRowsThreeQuarters() {
    let samples: [UInt8] = [0, 40, 80, 160, 200, 240]
    let upsampler = ChromaUpsampler(samples: samples, stride: 3, width: 3, height: 2, h: 1, v: 1, maxH: 2, maxV: 2)
    var buffer = [UInt8](repeating: 0, count: 6)
    upsampler.row(1, into: &buffer, at: 0)
    let columns = (0..<3).map { 3 * Int(samples[$0]) + Int(samples[3 + $0]) }
    let expected: [Int] = [
      (columns[0] * 4 + 8) >> 4, (columns[0] * 3 + columns[1] + 7) >> 4, (columns[1] * 3 + columns[0] + 8) >> 4,
      (columns[1] * 3 + columns[2] + 7) >> 4, (columns[2] * 3 + columns[1] + 8) >> 4, (columns[2] * 4 + 7) >> 4,
    ]
    #expect(buffer.map(Int.init) == expected)
  }

  @Test func boxUpsamplingReplicatesNarrowComponents() {
    let upsampler = ChromaUpsampler(samples: [7, 9, 1, 2], stride: 2, width: 2, height: 2, h: 1, v: 1, maxH: 3,
                                    maxV: 2)
    var buffer = [UInt8](repeating: 0, count: 6)
    upsampler.row(3, into: &buffer, at: 0)
    #expect(buffer == [1, 1, 1, 2, 2, 2])
  }

  @Test func colourConversions() {
    var out = [UInt8](repeating: 0, count: 7)
    // Neutral chroma leaves grey; full Cr pushes red up and green down by libjpeg's fixed-point factors.
    convertRowToRGB(.yCbCr, rows: [100, 60, 128, 128, 128, 255], rowStride: 2, width: 2, into: &out, at: 1)
    let red: Int = 60 + ((91881 * 127 + 32768) >> 16), green: Int = 60 + ((32768 - 46802 * 127) >> 16)
    let expected: [Int] = [0, 100, 100, 100, min(255, red), max(0, green), 60]
    #expect(out.map(Int.init) == expected)
    convertRowToRGB(.gray, rows: [5], rowStride: 1, width: 1, into: &out, at: 0)
    #expect(Array(out[0..<3]) == [5, 5, 5])
    convertRowToRGB(.rgb, rows: [1, 2, 3], rowStride: 1, width: 1, into: &out, at: 4)
    #expect(Array(out[4..<7]) == [1, 2, 3])
    // Inverted CMYK with stored K 255 (no black) and C stored 255 (no cyan): white.
    convertRowToRGB(.invertedCMYK, rows: [255, 255, 255, 255], rowStride: 1, width: 1, into: &out, at: 0)
    #expect(Array(out[0..<3]) == [255, 255, 255])
    convertRowToRGB(.invertedCMYK, rows: [0, 255, 255, 128], rowStride: 1, width: 1, into: &out, at: 0)
    #expect(Array(out[0..<3]) == [0, 128, 128])
    var empty = [UInt8]()
    convertRowToRGB(.yccK, rows: [0, 0, 0, 0], rowStride: 0, width: 0, into: &empty, at: 0)
    #expect(empty.isEmpty)
  }
}
