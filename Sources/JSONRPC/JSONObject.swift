/// The members of a JSON object, in order. Keys are unique: the parser refuses duplicates (RFC 8259 says
/// they SHOULD be unique and that receivers then disagree on the meaning), and building one from pairs
/// keeps a repeated key's first position with its last value.
public struct JSONObject: Hashable, Sendable {
  /// The members in order.
  public private(set) var members: [(key: String, value: JSONValue)]
  private var indexByKey: [String: Int]

  public init() {
    members = []
    indexByKey = [:]
  }

  public init(_ pairs: some Sequence<(String, JSONValue)>) {
    self.init()
    for (key, value) in pairs { self[key] = value }
  }

  /// The keys in order.
  public var keys: [String] { members.map(\.key) }

  public var count: Int { members.count }

  /// Gets a member, or sets one: a new key is appended, an existing one keeps its place; `nil` removes.
  /// - Complexity: O(1) to read and to set; removal is O(n).
  public subscript(key: String) -> JSONValue? {
    get { indexByKey[key].map { members[$0].value } }
    set {
      if let index = indexByKey[key] {
        if let newValue {
          members[index].value = newValue
        } else {
          members.remove(at: index)
          indexByKey = Dictionary(uniqueKeysWithValues: members.enumerated().map { ($1.key, $0) })
        }
      } else if let newValue {
        indexByKey[key] = members.count
        members.append((key, newValue))
      }
    }
  }

  /// Appends a member whose key must be new; returns false (and changes nothing) when it is not.
  mutating func appendIfNew(_ key: String, _ value: JSONValue) -> Bool {
    guard indexByKey[key] == nil else { return false }
    indexByKey[key] = members.count
    members.append((key, value))
    return true
  }

  /// Objects are equal when they have the same members in the same order.
  public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
    lhs.members.count == rhs.members.count
      && zip(lhs.members, rhs.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(members.count)
    for member in members {
      hasher.combine(member.key)
      hasher.combine(member.value)
    }
  }
}
