"""The transcript replayer: its matching rules without a worker, and PASS/FAIL counting against the real one."""

import base64
import contextlib
import io
import json
import os
import struct
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import replay  # noqa: E402  (after the path set-up above)


def f32(values):
  return base64.b64encode(struct.pack("<%df" % len(values), *values)).decode("ascii")


class MatchTests(unittest.TestCase):
  def check(self, expected, actual):
    return replay.match(expected, actual, "response", replay.DEFAULT_ATOL, replay.DEFAULT_RTOL)

  def test_numbers_match_within_tolerance_only(self):
    self.assertIsNone(self.check([0.5, 2], [0.50001, 2.0]))
    self.assertIn("response[0]", self.check([0.5], [0.5011]))
    self.assertIn("expected a number", self.check(1, True))

  def test_objects_need_the_same_keys_unless_partial(self):
    self.assertIsNone(self.check({"a": 1}, {"a": 1}))
    self.assertIn("unexpected keys ['b']", self.check({"a": 1}, {"a": 1, "b": 2}))
    self.assertIsNone(self.check({"$partial": True, "a": 1}, {"a": 1, "b": 2}))
    self.assertIn("missing key 'a'", self.check({"$partial": True, "a": 1}, {"b": 2}))

  def test_strings_null_and_booleans_are_exact(self):
    self.assertIn("expected", self.check("a", "b"))
    self.assertIn("expected", self.check(None, 0))
    self.assertIn("expected", self.check(False, 0))

  def test_operators(self):
    self.assertIsNone(self.check({"$any": True}, [1, 2]))
    self.assertIsNone(self.check({"$type": "integer"}, 3))
    self.assertIn("expected a integer", self.check({"$type": "integer"}, 3.5))
    self.assertIsNone(self.check({"$contains": "missing"}, "file missing.png"))
    self.assertIsNotNone(self.check({"$contains": "missing"}, "gone"))
    self.assertIsNone(self.check({"$oneOf": [1, "x"]}, "x"))
    self.assertIn("none of 2", self.check({"$oneOf": [1, "x"]}, "y"))

  def test_base64_float32(self):
    self.assertIsNone(self.check({"$base64f32": [0.25, -1.5]}, f32([0.25, -1.5])))
    self.assertIn("<base64>[1]", self.check({"$base64f32": [0.25, -1.5]}, f32([0.25, -1.4])))
    self.assertIn("expected 2 elements", self.check({"$base64f32": [0.25, -1.5]}, f32([0.25])))
    self.assertIn("not base64", self.check({"$base64f32": [0.25]}, "!!!"))

  def test_unrecorded_placeholder_is_a_transcript_error(self):
    with self.assertRaises(replay.TranscriptError):
      self.check({"id": 1, "$record": True}, {"id": 1, "result": 2})

  def test_batch_members_pair_by_id_in_any_order(self):
    expected = [{"id": 1, "result": "a"}, {"id": 2, "result": "b"}]
    self.assertIsNone(replay.match_line(expected, list(reversed(expected)), 0, 0))
    self.assertEqual(replay.line_key(expected), replay.line_key(list(reversed(expected))))
    self.assertIn("batch[id=2]", replay.match_line(expected, [{"id": 2, "result": "c"}, expected[0]], 0, 0))


class RecordTests(unittest.TestCase):
  def test_placeholders_take_the_actual_values(self):
    variables = {"MODEL": "/repo/models/tiny", "REPO": "/repo"}
    actual = {"jsonrpc": "2.0", "id": 1, "result": {"embeddings": [f32([0.125])], "dim": 1,
                                                    "model": "/repo/models/tiny", "path": "/repo/a.png"}}
    recorded = replay.record({"jsonrpc": "2.0", "id": 1, "$record": True}, actual, variables)
    self.assertEqual(recorded["result"], {"embeddings": [{"$base64f32": [0.125]}], "dim": 1,
                                          "model": "${MODEL}", "path": "${REPO}/a.png"})
    self.assertEqual(replay.record({"id": 1, "result": {"$type": "object"}}, actual, variables),
                     {"id": 1, "result": {"$type": "object"}})

  def test_expand_substitutes_paths_and_inlines_files(self):
    with tempfile.NamedTemporaryFile(dir=replay.REPO, suffix=".bin") as handle:
      handle.write(b"\x01\x02")
      handle.flush()
      name = os.path.basename(handle.name)
      expanded = replay.expand({"a": "${REPO}/x", "b": {"$base64File": name}}, {"REPO": "/r"})
    self.assertEqual(expanded, {"a": "/r/x", "b": "AQI="})


class ReplayAgainstWorkerTests(unittest.TestCase):
  """Runs small transcripts through the real worker (built with `swift build --product clip-worker`)."""

  def run_transcript(self, lines):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
      handle.write("\n".join(json.dumps(line) for line in lines) + "\n")
    self.addCleanup(os.unlink, handle.name)
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
      status = replay.main(["--timeout", "60", handle.name])
    return status, output.getvalue().splitlines()

  def test_a_wrong_expectation_fails_and_sets_the_exit_status(self):
    status, lines = self.run_transcript([
      {"send": {"jsonrpc": "2.0", "id": 1, "method": "noSuchMethod"},
       "expect": {"jsonrpc": "2.0", "id": 1, "error": {"$partial": True, "code": -32601}}},
      {"send": {"jsonrpc": "2.0", "id": 2, "method": "noSuchMethod"},
       "expect": {"jsonrpc": "2.0", "id": 2, "result": None}},
    ])
    self.assertEqual(status, 1)
    self.assertTrue(lines[0].startswith("PASS"), lines)
    self.assertTrue(lines[1].startswith("FAIL") and "missing key 'result'" in lines[1], lines)
    self.assertEqual(lines[-1], "3 passed, 1 failed")

  def test_a_response_nobody_asked_for_is_a_failure(self):
    status, lines = self.run_transcript([
      {"comment": "Sent as a notification-free request but with no expectation: its answer is unexpected."},
      {"send": {"jsonrpc": "2.0", "id": 9, "method": "cacheStats"}},
    ])
    self.assertEqual(status, 1)
    self.assertTrue(any(line.startswith("FAIL") and "no unexpected output" in line for line in lines), lines)
    self.assertEqual(lines[-1], "1 passed, 1 failed")


if __name__ == "__main__":
  unittest.main()
