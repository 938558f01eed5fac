import Foundation
import JSONRPC

/// One input of a one-shot command, after folders and `-` are expanded: what the request carries for it
/// and how messages name it.
struct OneShotInput: Equatable {
  /// The path as given (or found in a folder), or `-` for stdin.
  var name: String
  /// The request's element: `{"path": ...}`, `{"data": base64}`, or a text.
  var param: JSONValue
}

/// The file name extensions a folder is searched for (the formats the worker decodes), compared in lower case.
let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "gif", "bmp"]

extension OneShotCommand {
  /// The inputs to send, in order: a folder becomes its images (recursively, hidden files skipped, sorted by
  /// path so that the order is the same on every run and every file system), `-` the bytes read from stdin;
  /// `--text -` becomes stdin's lines (blank lines skipped). Other paths are sent as given: the worker
  /// reports one that cannot be read.
  ///
  /// - Parameter readStandardInput: reads stdin to its end (at most `maxBytes`); nil when it has more.
  func inputs(maxStandardInputBytes: Int, readStandardInput: (Int) -> [UInt8]?) throws(OptionsError) -> [OneShotInput] {
    func standardInput() throws(OptionsError) -> [UInt8] {
      guard let bytes = readStandardInput(maxStandardInputBytes) else {
        throw .badCommand("stdin has more than \(maxStandardInputBytes) bytes (see --max-file-mb)")
      }
      return bytes
    }
    if kind == .embed, !texts.isEmpty {
      var result: [OneShotInput] = []
      for text in texts {
        guard text == "-" else {
          result.append(OneShotInput(name: text, param: .string(text)))
          continue
        }
        let lines = String(decoding: try standardInput(), as: UTF8.self).split(whereSeparator: \.isNewline)
        for line in lines where !line.allSatisfy(\.isWhitespace) {
          result.append(OneShotInput(name: String(line), param: .string(String(line))))
        }
      }
      guard !result.isEmpty else { throw .badCommand("no input given: --text - read no lines from stdin") }
      return result
    }
    var result: [OneShotInput] = []
    for image in images {
      if image == "-" {
        let bytes = try standardInput()
        guard !bytes.isEmpty else { throw .badCommand("no input given: stdin is empty (IMAGE - reads its bytes)") }
        result.append(OneShotInput(name: "-", param: ["data": .string(Data(bytes).base64EncodedString())]))
        continue
      }
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: image, isDirectory: &isDirectory), isDirectory.boolValue {
        result += Self.images(inFolder: image).map { OneShotInput(name: $0, param: ["path": .string($0)]) }
      } else {
        result.append(OneShotInput(name: image, param: ["path": .string(image)]))
      }
    }
    return result
  }

  /// The image files under `folder` (recursively; hidden files and folders skipped), sorted by path, each
  /// path starting with `folder` as given.
  static func images(inFolder folder: String) -> [String] {
    let root = URL(fileURLWithPath: folder, isDirectory: true)
    guard
      let walker = FileManager.default.enumerator(
        at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
    else { return [] }
    let rootPath = root.standardizedFileURL.path
    var found: [String] = []
    for case let url as URL in walker {
      guard imageExtensions.contains(url.pathExtension.lowercased()),
        (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true
      else { continue }
      // The path relative to the folder, joined to the folder as the user wrote it.
      let full = url.standardizedFileURL.path
      let relative = full.hasPrefix(rootPath + "/") ? String(full.dropFirst(rootPath.count + 1)) : url.lastPathComponent
      found.append(folder.hasSuffix("/") ? folder + relative : folder + "/" + relative)
    }
    // Byte order of the UTF-8 paths: the same on every platform and locale.
    return found.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
  }
}

/// Reads stdin to its end, at most `maxBytes`: nil when there is more.
func readStandardInput(maxBytes: Int) -> [UInt8]? {
  var bytes: [UInt8] = []
  while true {
    guard let chunk = try? FileHandle.standardInput.read(upToCount: 64 * 1024), !chunk.isEmpty else { break }
    bytes += chunk
    if bytes.count > maxBytes { return nil }
  }
  return bytes
}

/// A bar on stderr for a run over many images, redrawn in place; only when stderr is a terminal.
final class ImageRunProgress {
  private let total: Int
  private let write: (String) -> Void
  private var shown = false

  init?(total: Int, terminal: Bool, write: @escaping (String) -> Void) {
    guard terminal, total > 1 else { return nil }
    self.total = total
    self.write = write
  }

  func show(done: Int) {
    let width = 30
    let filled = total == 0 ? width : done * width / total
    let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
    write("\rimages \(done * 100 / max(1, total))% [\(bar)] \(done)/\(total)")
    shown = true
  }

  /// Clears the bar's line, so that a message can be written on it.
  func clear() {
    if shown { write("\r\u{1B}[K") }
  }

  func finish() {
    if shown { write("\n") }
    shown = false
  }
}
