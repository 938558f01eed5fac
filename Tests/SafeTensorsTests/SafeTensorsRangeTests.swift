import Foundation
import Testing
import SafeTensors

/// `floats(_:elements:)`: a piece of a tensor, converted as the whole one is, from the file's mapping.
@Suite(.timeLimit(.minutes(5))) struct SafeTensorsRangeTests {
  @Test func piecesOfATensorAreTheWholeTensorsElements() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID().uuidString).safetensors")
    let values = (0..<3 * 4099).map { Float($0) * 0.5 - 100 }
    try SafeTensorsEncoder.encode([.init(name: "before", shape: [7], floats: Array(repeating: 1, count: 7)),
                                   .init(name: "table", shape: [3, 4099], floats: values)]).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    let file = try SafeTensorsFile(contentsOf: url)
    // Odd pieces, read twice: the second read faults the dropped pages in from the file again.
    for _ in 0..<2 {
      for range in [0 ..< 1, 5 ..< 4104, 4099 ..< 8198, 12296 ..< 12297, 0 ..< 12297, 300 ..< 300] {
        #expect(try file.floats("table", elements: range) == Array(values[range]), "\(range)")
      }
    }
    #expect(try file.floats("before") == Array(repeating: 1, count: 7))
    #expect(throws: SafeTensorsError.missingTensor("nope")) { try file.floats("nope", elements: 0 ..< 1) }
  }

  @Test func halvesAreWidenedPieceByPiece() throws {
    // BF16 bits of 1.5, -2, 0.25 and binary16 bits of the same values.
    let bf16: [UInt8] = [0xC0, 0x3F, 0x00, 0xC0, 0x80, 0x3E]
    let f16: [UInt8] = [0x00, 0x3E, 0x00, 0xC0, 0x00, 0x34]
    let header = "{\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,6]},"
      + "\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[6,12]}}"
    let json = Array(header.utf8)
    let bytes = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(json.count) >> (8 * UInt64($0))) } + json + bf16 + f16
    let file = try SafeTensorsFile(data: Data(bytes))
    #expect(try file.floats("b", elements: 1 ..< 3) == [-2, 0.25])
    #expect(try file.floats("h", elements: 0 ..< 2) == [1.5, -2])
  }
}
