/// Where the server is in its life. It only moves forward: serving, then draining or closing, then ended.
enum ServerPhase: Equatable {
  /// Reading input and running calls.
  case serving
  /// Ending once every call in flight has been answered (end of input, a failed load, a signal). A failed load
  /// still reads the input and answers what arrives (with `modelUnavailable`); a signal stops the reading.
  case draining(exitCode: Int32, readingInput: Bool)
  /// Ending as soon as the answers being written are out; calls in flight were cancelled (`exit`, output
  /// gone, a signal's grace run out).
  case closing(exitCode: Int32, inputStopped: Bool)
  /// Done: `waitForExit` returns `exitCode`. A server that ended draining with its input open (after a failed
  /// load) still answers what arrives while the process exits, with `modelUnavailable`.
  case ended(exitCode: Int32, readingInput: Bool)

  /// Whether frames are still read and handled.
  var acceptsInput: Bool {
    switch self {
    case .serving, .draining(_, readingInput: true), .ended(_, readingInput: true): true
    case .draining, .closing, .ended: false
    }
  }

  /// How the process ends, once that is decided.
  var exitCode: Int32? {
    switch self {
    case .serving: nil
    case let .draining(code, _), let .closing(code, _), let .ended(code, _): code
    }
  }

  /// Whether a signal stopped the input: a call that waited for a slot meanwhile is cancelled, not run.
  var inputStopped: Bool {
    switch self {
    case .draining(_, readingInput: false), .closing(_, inputStopped: true): true
    case .serving, .draining, .closing, .ended: false
    }
  }

  /// Whether the server ends once no call is left (rather than at once).
  var waitsForCalls: Bool {
    if case .draining = self { true } else { false }
  }
}
