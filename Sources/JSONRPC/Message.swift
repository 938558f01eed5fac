/// A call that expects exactly one response.
public struct Request: Equatable, Sendable {
  public var id: RequestID
  public var method: String
  /// An array or an object when present.
  public var params: JSONValue?

  public init(id: RequestID, method: String, params: JSONValue? = nil) {
    self.id = id
    self.method = method
    self.params = params
  }
}

/// A call without an id: it gets no response, not even an error.
public struct Notification: Equatable, Sendable {
  public var method: String
  /// An array or an object when present.
  public var params: JSONValue?

  public init(method: String, params: JSONValue? = nil) {
    self.method = method
    self.params = params
  }
}

/// A valid incoming call.
public enum Message: Equatable, Sendable {
  case request(Request)
  case notification(Notification)

  public var method: String {
    switch self {
    case let .request(request): return request.method
    case let .notification(notification): return notification.method
    }
  }

  public var params: JSONValue? {
    switch self {
    case let .request(request): return request.params
    case let .notification(notification): return notification.params
    }
  }

  /// Reads one request object. Throws the response to send when it is not a valid request.
  public init(json: JSONValue) throws(Response) {
    guard case let .object(object) = json else {
      throw Response(id: .null, error: .invalidRequest("expected an object, found \(json.typeName)"))
    }
    var id: RequestID?
    if let idValue = object["id"] {
      guard let parsed = RequestID(json: idValue) else {
        throw Response(id: .null, error: .invalidRequest("id must be a string, a number or null"))
      }
      id = parsed
    }
    let replyID = id ?? .null
    guard object["jsonrpc"] == "2.0" else {
      throw Response(id: replyID, error: .invalidRequest("jsonrpc must be \"2.0\""))
    }
    guard case let .string(method) = object["method"] else {
      throw Response(id: replyID, error: .invalidRequest("method must be a string"))
    }
    let params = object["params"]
    switch params {
    case nil, .array?, .object?: break
    case let other?:
      throw Response(
        id: replyID, error: .invalidRequest("params must be an array or an object, found \(other.typeName)"))
    }
    if let id {
      self = .request(Request(id: id, method: method, params: params))
    } else {
      self = .notification(Notification(method: method, params: params))
    }
  }
}

/// The answer to one request: a result or an error. It conforms to `Error` so that reading an invalid
/// request can throw the very response it gets (`Message.init(json:)`).
public struct Response: Error, Equatable, Sendable {
  public var id: RequestID
  public var outcome: Result<JSONValue, RPCError>

  public init(id: RequestID, result: JSONValue) {
    self.id = id
    outcome = .success(result)
  }

  public init(id: RequestID, error: RPCError) {
    self.id = id
    outcome = .failure(error)
  }

  public init(id: RequestID, outcome: Result<JSONValue, RPCError>) {
    self.id = id
    self.outcome = outcome
  }

  /// The response object as it goes on the wire.
  public var json: JSONValue {
    switch outcome {
    case let .success(result): return ["jsonrpc": "2.0", "id": id.json, "result": result]
    case let .failure(error): return ["jsonrpc": "2.0", "id": id.json, "error": error.json]
    }
  }
}

/// What one line of input holds, per JSON-RPC 2.0: one call, or a batch (an array of calls). Values that
/// are not valid calls are already turned into the error response they get.
public enum Incoming: Equatable, Sendable {
  /// One element of the input.
  public enum Entry: Equatable, Sendable {
    case message(Message)
    /// Not a valid call; this is its response.
    case invalid(Response)
  }

  case single(Entry)
  /// A non-empty batch. Its responses go back as one array, without entries for notifications, and
  /// nothing at all is sent when it held only notifications.
  case batch([Entry])

  /// Reads one line: a parse error and an empty batch each become one error response with a null id.
  public init(line: [UInt8], maxDepth: Int = JSONParser.defaultMaxDepth) {
    let json: JSONValue
    do {
      json = try JSONParser.parse(line, maxDepth: maxDepth)
    } catch let error as JSONParseError {
      self = .single(.invalid(Response(id: .null, error: .parseError(error))))
      return
    } catch {
      self = .single(.invalid(Response(id: .null, error: .internalError("\(error)"))))
      return
    }
    if case let .array(elements) = json {
      if elements.isEmpty {
        self = .single(.invalid(Response(id: .null, error: .invalidRequest("empty batch"))))
      } else {
        self = .batch(elements.map(Incoming.entry))
      }
    } else {
      self = .single(Incoming.entry(json))
    }
  }

  private static func entry(_ json: JSONValue) -> Entry {
    do {
      return .message(try Message(json: json))
    } catch {
      return .invalid(error)
    }
  }
}
