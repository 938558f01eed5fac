/// One line of the `clip-bench speed` summary: a figure of the speed issue, ours and the reference's, and its target.
struct SpeedFigure {
  var name: String
  var ours: String
  var reference: String
  /// Reference over ours (higher is better), or ours over the checkpoint for memory (lower is better).
  var ratio: Double
  /// The target as printed, e.g. ">= 2.0".
  var target: String
  var met: Bool

  /// A speed ratio (reference time / ours) with a lower bound.
  static func speedup(_ name: String, ours: String, reference: String, ratio: Double, atLeast bound: Double)
    -> SpeedFigure
  {
    SpeedFigure(name: name, ours: ours, reference: reference, ratio: ratio,
                target: ">= \(format(bound, digits: 1))", met: ratio >= bound)
  }
}
