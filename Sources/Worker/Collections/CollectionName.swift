/// What a collection may be called: 1 to 100 characters of letters, digits, `-`, `_` and `.`, not starting with
/// `.` (so no `/`, no `..`, no hidden files): the name is a file name in the collections directory.
enum CollectionName {
  static func check(_ name: String) -> String? {
    guard !name.isEmpty, name.utf8.count <= 100 else { return "a collection name must have 1 to 100 characters" }
    guard !name.hasPrefix(".") else { return "a collection name must not start with '.': \(name)" }
    let allowed = name.unicodeScalars.allSatisfy { scalar in
      scalar.isASCII
        && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_.".unicodeScalars.contains(scalar))
    }
    guard allowed else {
      return "a collection name may hold only ASCII letters, digits, '-', '_' and '.': \(name)"
    }
    return nil
  }
}
