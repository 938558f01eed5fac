import Testing
import Kernels

/// The fixed-point resampling convolutions and the planar lookup against plain loops written from their contracts.
@Suite(.timeLimit(.minutes(5))) struct FixedPointConvolutionTests {
  /// Deterministic bytes (a linear congruential sequence).
  static func bytes(_ count: Int, seed: UInt32 = 7) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
      state = state &* 1_664_525 &+ 1_013_904_223
      return UInt8(truncatingIfNeeded: state >> 24)
    }
  }

  static func clip8(_ sum: Int) -> UInt8 { UInt8(min(255, max(0, sum >> 22))) }

  /// Taps with a negative lobe (so sums leave [0, 255] both ways) and outputs of 0, 1 and `stride` taps.
  static func taps(inputs: Int, outputs: Int, stride: Int) -> FixedPointTaps {
    var first = [Int](), count = [Int](), weights = [Int32]()
    for i in 0..<outputs {
      let n = [stride, 1, 0, stride - 1][i % 4]
      first.append((i * 5) % (inputs - n + 1))
      count.append(n)
      for t in 0..<stride {
        let w: Int32 = t >= n ? 0 : (t == 0 && n > 1 ? -(1 << 20) : (1 << 22) / Int32(n) + (1 << 20) / Int32(n))
        weights.append(w)
      }
    }
    return FixedPointTaps(firstInput: first, tapCount: count, weights: weights, stride: stride)
  }

  @Test func horizontalMatchesTheDefinition() {
    for (inputs, outputs, stride) in [(1, 1, 1), (9, 4, 3), (20, 7, 5), (3, 9, 3)] {
      let rows = 3, rowStart = 6, rowStride = inputs * 3 + 4
      let input = Self.bytes(rowStart + rows * rowStride)
      let taps = Self.taps(inputs: inputs, outputs: outputs, stride: stride)
      var expected = [UInt8]()
      for r in 0..<rows {
        for i in 0..<outputs {
          for c in 0..<3 {
            var sum = 1 << 21
            for t in 0..<taps.tapCount[i] {
              let x = taps.firstInput[i] + t
              sum += Int(taps.weights[i * stride + t]) * Int(input[rowStart + r * rowStride + 3 * x + c])
            }
            expected.append(Self.clip8(sum))
          }
        }
      }
      let output = convolveHorizontalRGB8(input, rowStart: rowStart, rowStride: rowStride, rows: rows, taps: taps)
      #expect(output == expected, "\(inputs) → \(outputs), stride \(stride)")
    }
  }

  @Test func verticalMatchesTheDefinition() {
    for (inputs, outputs, stride, rowBytes) in [(1, 1, 1, 1), (9, 4, 3, 7), (20, 7, 5, 33), (3, 9, 3, 0)] {
      let rowStart = 2, rowStride = rowBytes + 3
      let input = Self.bytes(rowStart + inputs * rowStride, seed: 11)
      let taps = Self.taps(inputs: inputs, outputs: outputs, stride: stride)
      var expected = [UInt8]()
      for i in 0..<outputs {
        for j in 0..<rowBytes {
          var sum = 1 << 21
          for t in 0..<taps.tapCount[i] {
            sum += Int(taps.weights[i * stride + t]) * Int(input[rowStart + (taps.firstInput[i] + t) * rowStride + j])
          }
          expected.append(Self.clip8(sum))
        }
      }
      let output = convolveVertical8(input, rowStart: rowStart, rowStride: rowStride, rowBytes: rowBytes, taps: taps)
      #expect(output == expected, "\(inputs) → \(outputs), stride \(stride), \(rowBytes) bytes")
    }
  }

  @Test func noOutputsGiveNoBytes() {
    let none = FixedPointTaps(firstInput: [], tapCount: [], weights: [], stride: 3)
    #expect(convolveHorizontalRGB8([], rowStart: 0, rowStride: 0, rows: 4, taps: none).isEmpty)
    #expect(convolveVertical8([], rowStart: 0, rowStride: 5, rowBytes: 5, taps: none).isEmpty)
    #expect(none.inputEnd == 0)
  }

  @Test func shiftedTapsReadFurtherAlong() {
    let taps = Self.taps(inputs: 9, outputs: 4, stride: 3)
    let shifted = taps.shifted(by: 2)
    #expect(shifted.firstInput == taps.firstInput.map { $0 + 2 })
    #expect(shifted.inputEnd == taps.inputEnd + 2)
    #expect(shifted.weights == taps.weights && shifted.tapCount == taps.tapCount)
  }

  @Test func deinterleaveWritesOnlyTheWindow() {
    let width = 5, rows = 3, outputRowStride = 7, plane = 4 * outputRowStride, outputStart = 8
    let input = Self.bytes(width * rows * 3, seed: 3)
    let tables = (0..<768).map { Float($0) * 0.5 - 100 }
    var output = [Float](repeating: .nan, count: 3 * plane)
    deinterleaveRGB8(input, width: width, rows: rows, tables: tables, into: &output, outputStart: outputStart,
                     outputRowStride: outputRowStride, planeStride: plane)
    for c in 0..<3 {
      for index in 0..<plane {
        let (r, x) = ((index - outputStart).quotientAndRemainder(dividingBy: outputRowStride))
        let inside = index >= outputStart && r < rows && x < width
        let value = output[c * plane + index]
        if inside {
          #expect(value == tables[c * 256 + Int(input[(r * width + x) * 3 + c])], "\(c) \(r) \(x)")
        } else {
          #expect(value.isNaN, "\(c) \(index) was written")
        }
      }
    }
  }

  @Test func deinterleaveOfNothingLeavesTheOutput() {
    var output: [Float] = [1, 2]
    deinterleaveRGB8([], width: 0, rows: 3, tables: [Float](repeating: 0, count: 768), into: &output,
                     outputStart: 0, outputRowStride: 0, planeStride: 0)
    #expect(output == [1, 2])
  }
}
