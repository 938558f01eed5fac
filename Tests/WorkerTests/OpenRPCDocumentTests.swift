import Foundation
import JSONRPC
import Testing
@testable import Worker

/// protocol/openrpc.json is the contract: the embedded copy that `rpc.discover` returns must be the same
/// JSON, and it must describe exactly the methods and error codes the server has.
@Suite(.timeLimit(.minutes(5))) struct OpenRPCDocumentTests {
  static let protocolDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("protocol")

  @Test func embeddedCopyIsTheFile() throws {
    let file = try Data(contentsOf: Self.protocolDirectory.appendingPathComponent("openrpc.json"))
    #expect(OpenRPCDocument.text == String(decoding: file, as: UTF8.self))
    #expect(try JSONParser.parse([UInt8](file)) == (try OpenRPCDocument.json()))
    #expect(try OpenRPCDocument.json()["info"]?["version"] == .string(WorkerVersion.current))
  }

  @Test func eachMethodAcceptsExactlyTheDocumentedParameters() throws {
    let document = try OpenRPCDocument.json()
    let methods = try #require(document["methods"]?.arrayValue)
    func documented(_ name: String) throws -> Set<String> {
      let method = try #require(methods.first { $0["name"] == .string(name) }, "\(name) is not documented")
      return Set(method["params"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [])
    }
    for method in Methods.all {
      #expect(try documented(method.name) == method.parameterNames, "\(method.name)")
    }
    #expect(try documented(Server.cancelMethod) == Server.cancelParameters)
    #expect(try documented(Server.exitMethod).isEmpty)
  }

  @Test func describesExactlyTheServersMethods() throws {
    let document = try OpenRPCDocument.json()
    let documented = Set(document["methods"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [])
    let served = Set(Methods.all.map { $0.name } + [Server.exitMethod, Server.cancelMethod])
    #expect(documented == served)
  }

  @Test func documentsEveryErrorCode() throws {
    let document = try OpenRPCDocument.json()
    let errors = document["components"]?["errors"]?.objectValue?.members.map(\.value) ?? []
    let codes = Set(errors.compactMap { $0["code"]?.numberValue?.intValue })
    let used: Set<Int> = [
      RPCError.Code.parseError, RPCError.Code.invalidRequest, RPCError.Code.methodNotFound,
      RPCError.Code.invalidParams, RPCError.Code.internalError, RPCError.Code.requestCancelled,
      RPCError.Code.inputFailed, RPCError.Code.modelUnavailable, RPCError.Code.shuttingDown,
      RPCError.Code.messageTooLarge, RPCError.Code.pathNotAllowed,
    ]
    #expect(codes == used)
    let standard: Set<Int> = [-32700, -32600, -32601, -32602, -32603, -32800]
    #expect(codes.subtracting(standard).allSatisfy { (-32099)...(-32000) ~= $0 }, "own codes must be in -32099...-32000")
  }

  @Test func readmeDocumentsEveryErrorCodeAndMethod() throws {
    let readme = try String(contentsOf: Self.protocolDirectory.appendingPathComponent("README.md"), encoding: .utf8)
    for code in ["-32700", "-32600", "-32601", "-32602", "-32603", "-32800", "-32001", "-32002", "-32003", "-32004", "-32005"] {
      #expect(readme.contains("`\(code)`"), "README lacks \(code)")
    }
    for method in Methods.all.map({ $0.name }) + [Server.exitMethod, Server.cancelMethod] {
      #expect(readme.contains("`\(method)`"), "README lacks \(method)")
    }
  }
}
