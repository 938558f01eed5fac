import Foundation

/// Image files built to hurt a decoder: headers that declare absurd sizes, files cut short or garbled.
enum HostileImages {
  /// The codecs' own fixtures, one small file per supported format.
  static let samples: [(format: String, url: URL)] = [
    ("png", "png/filter4.png"), ("jpeg", "jpeg/astronaut_q75_420.jpg"), ("gif", "gif/photo.gif"),
    ("bmp", "bmp/pillow24.bmp"),
  ].map { format, path in
    (format, WorkerProcess.packageRoot.appendingPathComponent("Tests/ImageCodecsTests/Fixtures/\(path)"))
  }

  /// A PNG whose IHDR declares `width`×`height` RGB pixels, with valid CRCs and one empty IDAT.
  static func png(width: UInt32, height: UInt32) -> [UInt8] {
    var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    file += chunk("IHDR", bigEndian(width) + bigEndian(height) + [8, 2, 0, 0, 0])
    // zlib stream of an empty stored block: the decoder must refuse the size before it gets here.
    file += chunk("IDAT", [0x78, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x01])
    file += chunk("IEND", [])
    return file
  }

  /// A baseline JPEG whose SOF0 declares `width`×`height` (16-bit fields: at most 65535 each).
  static func jpeg(width: UInt16, height: UInt16) -> [UInt8] {
    var file: [UInt8] = [0xFF, 0xD8]
    // SOF0: length 17, precision 8, height, width, 3 components (id, sampling 1×1, quant table 0).
    file += [0xFF, 0xC0, 0x00, 0x11, 0x08] + bigEndian(height) + bigEndian(width)
    file += [0x03, 0x01, 0x11, 0x00, 0x02, 0x11, 0x00, 0x03, 0x11, 0x00]
    file += [0xFF, 0xD9]
    return file
  }

  /// A GIF whose logical screen and first frame are `width`×`height`.
  static func gif(width: UInt16, height: UInt16) -> [UInt8] {
    var file = Array("GIF89a".utf8) + littleEndian(width) + littleEndian(height) + [0x80, 0, 0]
    file += [0, 0, 0, 255, 255, 255]  // global colour table of 2 entries
    file += [0x2C, 0, 0, 0, 0] + littleEndian(width) + littleEndian(height) + [0]
    file += [0x02, 0x02, 0x4C, 0x01, 0x00, 0x3B]  // min code size 2, one tiny LZW block, trailer
    return file
  }

  /// A 24-bit BMP whose info header declares `width`×`height` and holds no pixels.
  static func bmp(width: Int32, height: Int32) -> [UInt8] {
    var file = Array("BM".utf8) + littleEndian(UInt32(54)) + [0, 0, 0, 0] + littleEndian(UInt32(54))
    file += littleEndian(UInt32(40)) + littleEndian(UInt32(bitPattern: width))
    file += littleEndian(UInt32(bitPattern: height))
    file += littleEndian(UInt16(1)) + littleEndian(UInt16(24)) + [UInt8](repeating: 0, count: 24)
    return file
  }

  private static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
    let typed = Array(type.utf8) + data
    return bigEndian(UInt32(data.count)) + typed + bigEndian(crc32(typed))
  }

  static func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
      crc ^= UInt32(byte)
      for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
  }

  private static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.bigEndian, Array.init)
  }

  private static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian, Array.init)
  }
}
