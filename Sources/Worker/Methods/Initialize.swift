import JSONRPC

/// `initialize`: optional; describes the server, the model (waiting for it to be resolved and loaded), the
/// methods and the limits. `capabilities.progress: true` asks for `$/progress` notifications of the model's
/// download (all sent before this result); other params (such as `clientInfo`) are accepted and not used.
struct Initialize: Method {
  static let name = "initialize"

  struct Params: MethodParams {
    /// The documented members; any other member is accepted too and not used (clients send their own).
    static let accepted: Set<String> = ["capabilities", "clientInfo"]

    /// Whether the client asked for `$/progress` notifications.
    var progress = false

    init(params: JSONValue?) throws(RPCError) {
      switch params {
      case nil: break
      case let .array(elements)? where elements.isEmpty: break
      case let .object(object)?:
        switch object["capabilities"] {
        case nil, .null?: break
        case let .object(capabilities)?:
          switch capabilities["progress"] {
          case nil, .null?: break
          case let .bool(asked)?: progress = asked
          case let other?: throw .invalidParams("capabilities.progress must be a boolean, found \(other.typeName)")
          }
        case let other?: throw .invalidParams("capabilities must be an object, found \(other.typeName)")
        }
      case let other?: throw .invalidParams("params must be an object, found \(other.typeName)")
      }
    }
  }

  static func run(_ params: Params, in context: WorkerContext) async throws -> JSONValue {
    if params.progress { context.progress.subscribe() }
    let loaded = try await context.modelState.model()
    let info = loaded.info
    let configuration = context.configuration
    var limits: JSONObject = [
      "maxMessageBytes": JSONValue(configuration.maxMessageBytes),
      "maxNestingDepth": JSONValue(configuration.maxNestingDepth),
      "maxImagePixels": JSONValue(configuration.imageLimits.maxPixels),
      "maxFileBytes": JSONValue(configuration.maxImageFileBytes),
      "maxBatchSize": JSONValue(configuration.maxBatchSize),
      "cacheCapacityBytes": JSONValue(configuration.cacheCapacityBytes),
      "threads": JSONValue(configuration.threads),
    ]
    for (name, value) in configuration.requestLimits.jsonMembers { limits[name] = value }
    return [
      "serverInfo": ["name": .string(WorkerVersion.name), "version": .string(WorkerVersion.current)],
      "model": [
        "id": .string(info.id), "path": .string(info.path),
        "embeddingDim": JSONValue(info.properties.embeddingDimension),
        "imageSize": JSONValue(info.properties.imageSize),
        "contextLength": JSONValue(info.properties.contextLength),
        "dtype": .string(info.properties.dtype),
        "precision": .string(info.properties.precision),
        "family": .string(info.properties.family),
        "scoring": loaded.model.scoring.json,
      ],
      "methods": .array((Methods.all.map { $0.name } + [Server.exitMethod, Server.cancelMethod]).map { .string($0) }),
      "limits": .object(limits),
      "inputs": configuration.pathPolicy.json,
      "store": context.store.map { store -> JSONValue in
        [
          "directory": .string(store.directory.path), "capacityBytes": JSONValue(store.options.capacityBytes),
          "writable": .bool(store.statistics().writable),
        ]
      } ?? .null,
    ]
  }
}
