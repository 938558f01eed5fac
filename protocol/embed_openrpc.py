#!/usr/bin/env python3
"""Embeds protocol/openrpc.json into Sources/Worker/OpenRPCDocument.swift, which `rpc.discover` returns.

Run after editing openrpc.json; OpenRPCDocumentTests fails while the two differ.
"""
import json
import pathlib

root = pathlib.Path(__file__).resolve().parent.parent
text = (root / "protocol" / "openrpc.json").read_text(encoding="utf-8")
json.loads(text)  # refuse to embed a broken document
swift = (
    "// The OpenRPC document that `rpc.discover` returns: protocol/openrpc.json, embedded by\n"
    "// protocol/embed_openrpc.py so the executable needs no resource files. OpenRPCDocumentTests checks\n"
    "// that the two are the same JSON.\n"
    "import JSONRPC\n\n"
    "/// The machine-readable description of the protocol.\n"
    "enum OpenRPCDocument {\n"
    "  /// The document parsed (it is fixed text, so a failure is a bug the tests catch).\n"
    "  static func json() throws -> JSONValue { try JSONParser.parse(text) }\n\n"
    '  static let text = #"""\n' + text + '"""#\n}\n'
)
(root / "Sources" / "Worker" / "OpenRPCDocument.swift").write_text(swift, encoding="utf-8")
