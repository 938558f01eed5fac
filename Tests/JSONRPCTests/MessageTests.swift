import JSONRPC
import Testing

/// Envelopes: what a line holds per JSON-RPC 2.0, the response each invalid value gets, and the wire
/// form of responses and errors.
@Suite(.timeLimit(.minutes(5))) struct MessageTests {
  private func incoming(_ text: String) -> Incoming { Incoming(line: Array(text.utf8)) }

  private func errorCode(_ entry: Incoming.Entry) -> Int? {
    if case let .invalid(response) = entry, case let .failure(error) = response.outcome { return error.code }
    return nil
  }

  @Test func requestWithNumberID() {
    #expect(
      incoming(#"{"jsonrpc":"2.0","id":7,"method":"m","params":{"a":1}}"#)
        == .single(.message(.request(Request(id: RequestID(7), method: "m", params: ["a": 1])))))
  }

  @Test func requestWithStringAndNullIDs() {
    #expect(
      incoming(#"{"jsonrpc":"2.0","id":"x","method":"m"}"#)
        == .single(.message(.request(Request(id: .string("x"), method: "m")))))
    #expect(
      incoming(#"{"jsonrpc":"2.0","id":null,"method":"m","params":[]}"#)
        == .single(.message(.request(Request(id: .null, method: "m", params: [])))))
  }

  @Test func notificationHasNoID() {
    #expect(incoming(#"{"jsonrpc":"2.0","method":"n"}"#) == .single(.message(.notification(Notification(method: "n")))))
  }

  @Test func parseErrorHasNullID() {
    guard case let .single(.invalid(response)) = incoming("{not json") else {
      Issue.record("expected an invalid entry")
      return
    }
    #expect(response.id == .null)
    #expect(response.json["error"]?["code"] == -32700)
  }

  @Test(arguments: [
    (#"{"id":1,"method":"m"}"#, JSONValue(1)),
    (#"{"jsonrpc":"1.0","id":1,"method":"m"}"#, 1),
    (#"{"jsonrpc":"2.0","id":"a","method":5}"#, "a"),
    (#"{"jsonrpc":"2.0","id":2,"method":"m","params":3}"#, 2),
    (#"{"jsonrpc":"2.0","id":true,"method":"m"}"#, nil),
    (#"{"jsonrpc":"2.0","id":[1],"method":"m"}"#, nil),
    ("42", nil),
    ("\"text\"", nil),
  ])
  func invalidRequests(text: String, id: JSONValue) {
    guard case let .single(.invalid(response)) = incoming(text) else {
      Issue.record("expected an invalid entry for \(text)")
      return
    }
    #expect(response.id.json == id)
    #expect(response.json["error"]?["code"] == -32600)
  }

  @Test func emptyBatchIsOneInvalidRequest() {
    guard case let .single(entry) = incoming("[]") else {
      Issue.record("expected a single entry")
      return
    }
    #expect(errorCode(entry) == -32600)
  }

  @Test func batchMixesValidAndInvalidEntries() {
    guard
      case let .batch(entries) = incoming(#"[1,{"jsonrpc":"2.0","method":"n"},{"jsonrpc":"2.0","id":3,"method":"m"}]"#)
    else {
      Issue.record("expected a batch")
      return
    }
    #expect(entries.count == 3)
    #expect(errorCode(entries[0]) == -32600)
    #expect(entries[1] == .message(.notification(Notification(method: "n"))))
    #expect(entries[2] == .message(.request(Request(id: RequestID(3), method: "m"))))
  }

  @Test func responsesOnTheWire() {
    #expect(
      Response(id: .string("a"), result: ["x": 1]).json.description
        == #"{"jsonrpc":"2.0","id":"a","result":{"x":1}}"#)
    #expect(
      Response(id: .null, error: .invalidParams("texts is missing")).json.description
        == #"{"jsonrpc":"2.0","id":null,"error":{"code":-32602,"message":"Invalid params: texts is missing"}}"#)
    let bigID = RequestID(json: .number(JSONNumber(validatedTextForTests: "123456789012345678901234")))!
    #expect(
      Response(id: bigID, result: nil).json.description
        == #"{"jsonrpc":"2.0","id":123456789012345678901234,"result":null}"#)
  }

  @Test func standardErrorCodes() {
    #expect(RPCError.parseError(.unexpectedEnd).code == -32700)
    #expect(RPCError.invalidRequest("x").code == -32600)
    #expect(RPCError.methodNotFound("frob").code == -32601)
    #expect(RPCError.methodNotFound("frob").data == ["method": "frob"])
    #expect(RPCError.invalidParams("x").code == -32602)
    #expect(RPCError.internalError("x").code == -32603)
    #expect(RPCError.requestCancelled.code == -32800)
  }
}

/// Reading named params: absent, `{}` and `[]` mean none; unknown names and wrong types are refused with
/// the field named.
@Suite(.timeLimit(.minutes(5))) struct ParamsReaderTests {
  @Test func readsTypedMembers() throws {
    let reader = try ParamsReader(
      ["texts": ["a", "b"], "normalize": false, "k": 3], accepted: ["texts", "normalize", "k", "x"])
    #expect(try reader.required("texts", as: [String].self) == ["a", "b"])
    #expect(try reader.optional("normalize", as: Bool.self) == false)
    #expect(try reader.optional("k", as: Int.self) == 3)
    #expect(try reader.optional("x", as: Int.self) == nil)
  }

  @Test func emptyParams() throws {
    for params: JSONValue? in [nil, [], .object(JSONObject())] {
      let reader = try ParamsReader(params, accepted: [])
      #expect(!reader.has("anything"))
    }
  }

  @Test func refusals() {
    #expect(throws: RPCError.invalidParams("params must be an object with named members, found array")) {
      try ParamsReader([1], accepted: [])
    }
    #expect(throws: RPCError.invalidParams("unknown parameter \"normalise\"; accepted: normalize, texts")) {
      try ParamsReader(["normalise": true], accepted: ["texts", "normalize"])
    }
    #expect(throws: RPCError.invalidParams("missing texts")) {
      try ParamsReader(.object(JSONObject()), accepted: ["texts"]).required("texts", as: [String].self)
    }
    #expect(throws: RPCError.invalidParams("texts[1] must be a string, found number")) {
      try ParamsReader(["texts": ["a", 2]], accepted: ["texts"]).required("texts", as: [String].self)
    }
    #expect(throws: RPCError.invalidParams("k must be an integer, found 1.5")) {
      try ParamsReader(["k": 1.5], accepted: ["k"]).required("k", as: Int.self)
    }
  }
}
