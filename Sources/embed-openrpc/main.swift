// embed-openrpc DOCUMENT OUTPUT: writes OUTPUT, a Swift file holding DOCUMENT (the OpenRPC JSON) as a string
// literal and its `info.version`, for the EmbedOpenRPC build plugin. Refuses a document that is not valid JSON or
// has no version, so a broken contract fails the build rather than `rpc.discover`.
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
  FileHandle.standardError.write(Data("usage: embed-openrpc DOCUMENT OUTPUT\n".utf8))
  exit(2)
}
do {
  let data = try Data(contentsOf: URL(fileURLWithPath: arguments[1]))
  guard let text = String(data: data, encoding: .utf8),
        let document = try JSONSerialization.jsonObject(with: data) as? [String: Any],
        let info = document["info"] as? [String: Any], let version = info["version"] as? String else {
    throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: arguments[1]])
  }
  // A raw string delimited by more #s than any run of #s in the text, so no content can end the literal.
  var longest = 0, run = 0
  for character in text {
    run = character == "#" ? run + 1 : 0
    longest = max(longest, run)
  }
  let hashes = String(repeating: "#", count: longest + 1)
  let swift = """
    // Generated at build time by the EmbedOpenRPC plugin from protocol/openrpc.json; not committed.

    extension OpenRPCDocument {
      /// protocol/openrpc.json, byte for byte.
      static let text = \(hashes)\"\"\"
    \(text)
    \"\"\"\(hashes)

      /// Its `info.version`: the server's version.
      static let version = \(hashes)"\(version)"\(hashes)
    }

    """
  try Data(swift.utf8).write(to: URL(fileURLWithPath: arguments[2]), options: .atomic)
} catch {
  FileHandle.standardError.write(Data("embed-openrpc: \(arguments[1]): \(error)\n".utf8))
  exit(1)
}
