import Testing
import Kernels

/// Patches as rows (the convolution's input) and the token rows built from their embeddings, against the
/// element-by-element definitions.
@Suite(.timeLimit(.minutes(5))) struct PatchRowsTests {
  /// Row (image, gy, gx) holds, channel by channel and line by line, the pixels of that patch; pixels past the
  /// last whole patch (size 10 in patches of 3) are in no row.
  @Test(arguments: [(channels: 3, size: 8, patch: 4), (1, 10, 3), (2, 5, 5), (3, 6, 1)])
  func rowsHoldEachPatchInWeightOrder(channels: Int, size: Int, patch: Int) {
    var random = Random(UInt64(size * 10 + patch))
    let images = (0..<3).map { _ in random.floats(channels * size * size) }
    let rows = patchRows(of: images, channels: channels, size: size, patch: patch)
    let grid = size / patch
    #expect(rows.shape == [images.count * grid * grid, channels * patch * patch])
    for (image, pixels) in images.enumerated() {
      for gy in 0..<grid {
        for gx in 0..<grid {
          let row = (image * grid + gy) * grid + gx
          var column = 0
          for channel in 0..<channels {
            for y in gy * patch ..< (gy + 1) * patch {
              for x in gx * patch ..< (gx + 1) * patch {
                #expect(rows[row, column] == pixels[(channel * size + y) * size + x], "row \(row) column \(column)")
                column += 1
              }
            }
          }
        }
      }
    }
  }

  @Test func noImagesGiveNoRows() {
    #expect(patchRows(of: [], channels: 3, size: 8, patch: 4).shape == [0, 48])
  }

  /// Every group gets the lead row in front, and each row of a lengthened group its position's offsets.
  @Test func leadRowBeforeEachGroupPlusOffsets() {
    var random = Random(31)
    let columns = 13, groupSize = 4, groups = 3
    let x = random.matrix(groups * groupSize, columns)
    let lead = random.floats(columns), offsets = random.floats((groupSize + 1) * columns)
    let tokens = x.prependingRow(lead, toGroupsOf: groupSize, adding: offsets)
    #expect(tokens.shape == [groups * (groupSize + 1), columns])
    for group in 0..<groups {
      for position in 0...groupSize {
        for c in 0..<columns {
          let value = position == 0 ? lead[c] : x[group * groupSize + position - 1, c]
          #expect(tokens[group * (groupSize + 1) + position, c] == value + offsets[position * columns + c])
        }
      }
    }
  }
}
