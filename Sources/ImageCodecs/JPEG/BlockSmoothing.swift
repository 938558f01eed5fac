/// libjpeg-turbo's block smoothing (`jdcoefct.c`, `decompress_smooth_data`), which Pillow gets by default:
/// when a progressive file ends before the first nine AC coefficients of every block are complete, the
/// missing ones are estimated from the DC values of the 5×5 surrounding blocks (and, when no AC data came
/// at all, the DC value itself is re-estimated).
struct BlockSmoothing {
  /// Per component: the latched `coefficientBits` and the values before the last scan (used for iMCU rows
  /// after `lastGoodIMCURow`, which the last scan did not reach).
  let bits: [[Int]], previousBits: [[Int]]
  let lastGoodIMCURow: Int

  /// Nil when libjpeg's `smoothing_ok` says no: not progressive, a component without scans or DC, a zero
  /// quantizer among the first ten, or every one of the first nine AC coefficients complete.
  init?(frame: JPEGFrame, quantTables: [[Int]?], coefficientBits: [[Int]], previousBits: [[Int]],
        scanCount: Int, lastGoodIMCURow: Int) {
    guard frame.progressive, coefficientBits.count == frame.components.count else { return nil }
    var useful = false
    for (index, bits) in coefficientBits.enumerated() {
      guard let quant = quantTables[index] else { return nil }
      for position in [0, 1, 8, 16, 9, 2, 3, 10, 17, 24] where quant[position] == 0 { return nil }
      guard bits[0] >= 0 else { return nil }
      if bits[1...9].contains(where: { $0 != 0 }) { useful = true }
    }
    guard useful else { return nil }
    bits = coefficientBits
    self.previousBits = scanCount > 1 ? previousBits : previousBits.map { _ in Array(repeating: -1, count: 10) }
    self.lastGoodIMCURow = lastGoodIMCURow
  }

  /// The component's coefficients with the estimates filled in, in the same layout (only the blocks that
  /// hold image samples are smoothed; the neighbours are read from the unsmoothed `coefficients`).
  func smooth(_ coefficients: [Int16], component c: JPEGComponent, index: Int, frame: JPEGFrame,
              quant: [Int]) -> [Int16] {
    var out = coefficients
    let widthInBlocks = c.usedBlocksPerLine, heightInBlocks = c.usedBlocksPerColumn
    let totalIMCURows = frame.mcusY
    let lastBlockColumn = widthInBlocks - 1
    func dc(_ row: Int, _ column: Int) -> Int {
      Int(coefficients[c.coefficientOffset + (row * c.blocksPerLine + column) * 64])
    }
    for row in 0..<heightInBlocks {
      let iMCURow = row / c.v, rowInIMCU = row % c.v
      let coefBits = iMCURow > lastGoodIMCURow ? previousBits[index] : bits[index]
      let changeDC = coefBits[1...9].allSatisfy { $0 == -1 }
      // libjpeg numbers the block rows of the last iMCU row by its own height, and compares those numbers.
      let remainder = heightInBlocks % c.v
      let blockRows = iMCURow == totalIMCURows - 1 && remainder != 0 ? remainder : c.v
      let imageRow = iMCURow * blockRows + rowInIMCU, imageRows = blockRows * totalIMCURows
      let previous = imageRow > 0 ? row - 1 : row
      let previous2 = imageRow > 1 ? row - 2 : previous
      let next = imageRow < imageRows - 1 ? row + 1 : row
      let next2 = imageRow < imageRows - 2 ? row + 2 : next
      let rows = [previous2, previous, row, next, next2]
      // The 5×5 DC window, DC[r][col] for rows -2...2 and columns -2...2, clamped at the edges as libjpeg's
      // sliding registers are.
      var window = rows.map { r in [Int](repeating: dc(r, 0), count: 5) }
      for column in 0..<widthInBlocks {
        if column == 0 && column < lastBlockColumn {
          for r in 0..<5 { window[r][3] = dc(rows[r], 1); window[r][4] = dc(rows[r], 1) }
        }
        if column + 1 < lastBlockColumn {
          for r in 0..<5 { window[r][4] = dc(rows[r], column + 2) }
        }
        let block = c.coefficientOffset + (row * c.blocksPerLine + column) * 64
        estimate(into: &out, block: block, window: window, bits: coefBits, changeDC: changeDC, quant: quant)
        for r in 0..<5 { window[r] = Array(window[r][1...4]) + [window[r][4]] }
      }
    }
    return out
  }

  /// The estimates of one block. `w[r][c]` is libjpeg's DC(5r + c + 1).
  private func estimate(into out: inout [Int16], block: Int, window w: [[Int]], bits: [Int], changeDC: Bool,
                        quant: [Int]) {
    let q00 = quant[0]
    func set(_ position: Int, _ k: Int, _ sum: Int, q: Int) {
      let al = bits[k]
      guard al != 0, out[block + position] == 0 else { return }
      let num = q00 * sum
      var pred = num >= 0 ? ((q << 7) + num) / (q << 8) : ((q << 7) - num) / (q << 8)
      if al > 0 && pred >= 1 << al { pred = (1 << al) - 1 }
      out[block + position] = Int16(truncatingIfNeeded: num >= 0 ? pred : -pred)
    }
    let (dc01, dc02, dc03, dc04, dc05) = (w[0][0], w[0][1], w[0][2], w[0][3], w[0][4])
    let (dc06, dc07, dc08, dc09, dc10) = (w[1][0], w[1][1], w[1][2], w[1][3], w[1][4])
    let (dc11, dc12, dc13, dc14, dc15) = (w[2][0], w[2][1], w[2][2], w[2][3], w[2][4])
    let (dc16, dc17, dc18, dc19, dc20) = (w[3][0], w[3][1], w[3][2], w[3][3], w[3][4])
    let (dc21, dc22, dc23, dc24, dc25) = (w[4][0], w[4][1], w[4][2], w[4][3], w[4][4])
    // AC01
    set(1, 1, changeDC
      ? -dc01 - dc02 + dc04 + dc05 - 3 * dc06 + 13 * dc07 - 13 * dc09 + 3 * dc10 - 3 * dc11 + 38 * dc12
        - 38 * dc14 + 3 * dc15 - 3 * dc16 + 13 * dc17 - 13 * dc19 + 3 * dc20 - dc21 - dc22 + dc24 + dc25
      : -7 * dc11 + 50 * dc12 - 50 * dc14 + 7 * dc15, q: quant[1])
    // AC10
    set(8, 2, changeDC
      ? -dc01 - 3 * dc02 - 3 * dc03 - 3 * dc04 - dc05 - dc06 + 13 * dc07 + 38 * dc08 + 13 * dc09 - dc10
        + dc16 - 13 * dc17 - 38 * dc18 - 13 * dc19 + dc20 + dc21 + 3 * dc22 + 3 * dc23 + 3 * dc24 + dc25
      : -7 * dc03 + 50 * dc08 - 50 * dc18 + 7 * dc23, q: quant[8])
    // AC20
    set(16, 3, changeDC
      ? dc03 + 2 * dc07 + 7 * dc08 + 2 * dc09 - 5 * dc12 - 14 * dc13 - 5 * dc14 + 2 * dc17 + 7 * dc18
        + 2 * dc19 + dc23
      : -dc03 + 13 * dc08 - 24 * dc13 + 13 * dc18 - dc23, q: quant[16])
    // AC11
    set(9, 4, changeDC
      ? -dc01 + dc05 + 9 * dc07 - 9 * dc09 - 9 * dc17 + 9 * dc19 + dc21 - dc25
      : dc10 + dc16 - 10 * dc17 + 10 * dc19 - dc02 - dc20 + dc22 - dc24 + dc04 - dc06 + 10 * dc07 - 10 * dc09,
      q: quant[9])
    // AC02
    set(2, 5, changeDC
      ? 2 * dc07 - 5 * dc08 + 2 * dc09 + dc11 + 7 * dc12 - 14 * dc13 + 7 * dc14 + dc15 + 2 * dc17 - 5 * dc18
        + 2 * dc19
      : -dc11 + 13 * dc12 - 24 * dc13 + 13 * dc14 - dc15, q: quant[2])
    guard changeDC else { return }
    set(3, 6, dc07 - dc09 + 2 * dc12 - 2 * dc14 + dc17 - dc19, q: quant[3])  // AC03
    set(10, 7, dc07 - 3 * dc08 + dc09 - dc17 + 3 * dc18 - dc19, q: quant[10])  // AC12
    set(17, 8, dc07 - dc09 - 3 * dc12 + 3 * dc14 + dc17 - dc19, q: quant[17])  // AC21
    set(24, 9, dc07 + 2 * dc08 + dc09 - dc17 - 2 * dc18 - dc19, q: quant[24])  // AC30
    // DC: always re-estimated when no AC data came.
    let num = q00 * (-2 * dc01 - 6 * dc02 - 8 * dc03 - 6 * dc04 - 2 * dc05 - 6 * dc06 + 6 * dc07 + 42 * dc08
      + 6 * dc09 - 6 * dc10 - 8 * dc11 + 42 * dc12 + 152 * dc13 + 42 * dc14 - 8 * dc15 - 6 * dc16 + 6 * dc17
      + 42 * dc18 + 6 * dc19 - 6 * dc20 - 2 * dc21 - 6 * dc22 - 8 * dc23 - 6 * dc24 - 2 * dc25)
    let pred = num >= 0 ? ((q00 << 7) + num) / (q00 << 8) : -(((q00 << 7) - num) / (q00 << 8))
    out[block] = Int16(truncatingIfNeeded: pred)
  }
}
