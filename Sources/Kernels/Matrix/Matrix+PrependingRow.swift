extension Matrix {
  /// The rows in groups of `groupSize`, each group preceded by the row `lead`, and row `i` of `offsets` added to
  /// the `i`-th row of every lengthened group: `[lead + o₀; x₀ + o₁; …; x₍ₛ₋₁₎ + oₛ; lead + o₀; xₛ + o₁; …]`.
  /// A vision transformer's embeddings: the class token before each image's patches, plus the position embeddings.
  ///
  /// - Precondition: `groupSize > 0` divides `rows`, `lead` has `columns` values and `offsets` `(groupSize + 1) *
  ///   columns`.
  public func prependingRow(_ lead: [Float], toGroupsOf groupSize: Int, adding offsets: [Float]) -> Matrix {
    precondition(groupSize > 0 && rows % groupSize == 0, "prependingRow: \(rows) rows in groups of \(groupSize)")
    precondition(lead.count == columns && offsets.count == (groupSize + 1) * columns,
                 "prependingRow: lead of \(lead.count) and offsets of \(offsets.count) values for \(columns) columns")
    let groups = rows / groupSize, width = columns, length = groupSize + 1
    let result = [Float](writingAll: groups * length * width) { out in
      scalars.withUnsafeBufferPointer { x in
        lead.withUnsafeBufferPointer { lead in
          offsets.withUnsafeBufferPointer { offsets in
            for group in 0..<groups {
              for position in 0..<length {
                let source = position == 0
                  ? lead.baseAddress! : x.baseAddress! + (group * groupSize + position - 1) * width
                let offset = offsets.baseAddress! + position * width
                let target = out + (group * length + position) * width
                for c in 0..<width { target[c] = source[c] + offset[c] }
              }
            }
          }
        }
      }
    }
    return Matrix(rows: groups * length, columns: width, scalars: result)
  }
}
