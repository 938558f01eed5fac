/// Why a collection cannot be used; methods turn these into -32602 (the request's fault) or -32603 (the disk's).
enum CollectionError: Error, Equatable, CustomStringConvertible {
  case badName(String)
  case unknown(String)
  /// Made with another model (`made`: its model id and store identity) than the one loaded (`loaded`).
  case otherModel(name: String, made: String, madeIdentity: String, loaded: String, loadedIdentity: String)
  case busy(String)
  case damaged(String, String)
  case unwritable(String, String)

  var description: String {
    switch self {
    case let .badName(why): return why
    case let .unknown(name): return "no collection named \(name)"
    case let .otherModel(name, made, madeIdentity, loaded, loadedIdentity):
      return "collection \(name) was made with model \(made) (identity \(madeIdentity)), not with the loaded model "
        + "\(loaded) (identity \(loadedIdentity)): drop it or index it under another name"
    case let .busy(name): return "collection \(name) is being indexed by another request"
    case let .damaged(name, why): return "collection \(name) cannot be read: \(why)"
    case let .unwritable(name, why): return "collection \(name) cannot be written: \(why)"
    }
  }

  /// Whether the request is at fault (-32602) rather than the disk (-32603).
  var isRequestError: Bool {
    switch self {
    case .badName, .unknown, .otherModel, .busy: return true
    case .damaged, .unwritable: return false
    }
  }
}
