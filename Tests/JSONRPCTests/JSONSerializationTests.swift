import JSONRPC
import Testing

/// The serializer writes compact, single-line JSON that the parser reads back to the same value.
@Suite(.timeLimit(.minutes(5))) struct JSONSerializationTests {
  @Test func compactForm() {
    let value: JSONValue = ["b": [1, 2.5, true, nil], "a": "x", "c": .object(JSONObject())]
    #expect(value.description == #"{"b":[1,2.5,true,null],"a":"x","c":{}}"#)
  }

  @Test func stringEscapes() {
    #expect(
      JSONValue.string("\"\\/\n\r\t\u{8}\u{C}\u{1}\u{1F}\u{7F}é😀").description
        == "\"\\\"\\\\/\\n\\r\\t\\b\\f\\u0001\\u001f\u{7F}é😀\"")
  }

  @Test func neverWritesANewline() {
    let value: JSONValue = ["text": "line one\nline two\r\n", "list": ["\n"]]
    #expect(!value.serialized().contains(0x0A))
  }

  @Test(arguments: [Float(0.1), 1e-5, -3.4028235e38, 1.17549435e-38, 1, 0.3333333, -0.0, 16_777_216, 1.0e-45])
  func floatsAreShortestRoundTrip(value: Float) throws {
    let text = JSONValue(value).description
    #expect(text == value.description)
    #expect(Float(text) == value)
    #expect(try JSONParser.parse(text) == JSONValue(value))
  }

  @Test func doublesAreShortestRoundTrip() {
    #expect(JSONValue(0.1).description == "0.1")
    #expect(JSONValue(1e16).description == "1e+16")
    #expect(JSONValue(2.0).description == "2.0")
    #expect(Double(JSONValue(1.0 / 3.0).description) == 1.0 / 3.0)
  }

  @Test func roundTrip() throws {
    let text = #"{"jsonrpc":"2.0","id":12345678901234567890,"params":{"s":"a\u0000b\"c","n":[-0,1e400,1.50]}}"#
    let value = try JSONParser.parse(text)
    #expect(try JSONParser.parse(value.serialized()) == value)
    #expect(value["id"]?.description == "12345678901234567890")
    #expect(value["params"]?["n"]?.description == "[-0,1e400,1.50]")
  }

  @Test func objectsKeepOrderAndReplaceInPlace() {
    var object: JSONObject = ["z": 1, "a": 2]
    object["z"] = 3
    object["m"] = 4
    #expect(JSONValue.object(object).description == #"{"z":3,"a":2,"m":4}"#)
    object["z"] = nil
    #expect(object.keys == ["a", "m"])
    #expect(object["m"] == 4)
  }
}
