/// A scan header (SOS): which components the scan codes, with which Huffman tables, and for progressive
/// frames which band of coefficients (`ss...se`) at which bit positions (`ah`, `al`).
struct JPEGScan {
  /// Indices into `JPEGFrame.components`, in scan order.
  let components: [Int]
  let dcTables: [Int], acTables: [Int]
  let ss: Int, se: Int, ah: Int, al: Int
  /// Byte offset of the SOS marker, for error messages.
  let offset: Int
}

/// The zigzag order: `zigzagOrder[k]` is the natural (row-major) index of the k-th coefficient in a scan.
let zigzagOrder: [Int] = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
  12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
  58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]
