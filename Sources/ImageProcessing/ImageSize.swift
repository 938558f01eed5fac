/// A `size` or `crop_size` of `preprocessor_config.json`, in the forms the CLIP processor supports.
public enum ImageSize: Equatable, Sendable, CustomStringConvertible {
  /// `{"shortest_edge": n}` (or a bare integer `size` when `default_to_square` is false): scale so the
  /// shorter side becomes `n`, keeping the aspect ratio with transformers' truncation.
  case shortestEdge(Int)
  /// `{"height": h, "width": w}`, `[h, w]`, or a bare integer for `crop_size` (and for `size` when
  /// `default_to_square` is true).
  case exact(height: Int, width: Int)

  public var description: String {
    switch self {
    case let .shortestEdge(n): return "{shortest_edge: \(n)}"
    case let .exact(h, w): return "{height: \(h), width: \(w)}"
    }
  }

  /// The size as written in the file, before the int/list/dict forms are resolved.
  enum Raw: Decodable, Equatable {
    case integer(Int)
    case list([Int])
    case dictionary([String: Int])

    init(from decoder: Decoder) throws {
      let container = try decoder.singleValueContainer()
      if let n = try? container.decode(Int.self) {
        self = .integer(n)
      } else if let list = try? container.decode([Int].self) {
        self = .list(list)
      } else {
        self = .dictionary(try container.decode([String: Int].self))
      }
    }
  }

  /// transformers' `get_size_dict`: an integer is a square when `defaultToSquare` is true and a shortest
  /// edge otherwise; a list is `[height, width]`; a dictionary must have exactly one supported key set.
  init(_ raw: Raw, parameter: String, defaultToSquare: Bool) throws {
    switch raw {
    case let .integer(n):
      self = defaultToSquare ? .exact(height: n, width: n) : .shortestEdge(n)
    case let .list(values):
      guard values.count == 2 else {
        throw ImageProcessorConfigurationError.invalidSizeList(parameter: parameter, values: values)
      }
      self = .exact(height: values[0], width: values[1])
    case let .dictionary(dictionary):
      switch Set(dictionary.keys) {
      case ["height", "width"]:
        self = .exact(height: dictionary["height"]!, width: dictionary["width"]!)
      case ["shortest_edge"]:
        self = .shortestEdge(dictionary["shortest_edge"]!)
      default:
        throw ImageProcessorConfigurationError.unsupportedSizeKeys(parameter: parameter,
                                                                   keys: dictionary.keys.sorted())
      }
    }
  }

  /// The sizes this value holds, for validation.
  var lengths: [Int] {
    switch self {
    case let .shortestEdge(n): return [n]
    case let .exact(h, w): return [h, w]
    }
  }
}
