#!/usr/bin/env python3
"""Replays JSON-RPC transcripts (.jsonl) against clip-worker and reports PASS/FAIL per exchange.

    python3 clients/transcript/replay.py --worker .build/debug/clip-worker \\
        --model Tests/CLIPTests/Fixtures/tiny-clip protocol/examples/*.jsonl

Each transcript runs in a fresh worker process. The format is documented in protocol/examples/README.md. The
last line printed is exactly `N passed, M failed`; the exit status is 0 only when nothing failed.
--record fills in every `{"$record": true}` placeholder with what the worker answered (see the README).
Standard library only.
"""

import argparse
import base64
import json
import math
import os
import queue
import shutil
import struct
import subprocess
import tempfile
import sys
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_MODEL = (os.environ.get("CLIP_WORKER_MODEL")
                 or os.path.join(REPO, "Tests", "CLIPTests", "Fixtures", "tiny-clip"))
DEFAULT_ATOL = 1e-4
DEFAULT_RTOL = 1e-4
OPERATORS = ("$any", "$type", "$contains", "$base64f32", "$oneOf", "$record")
STEP_KEYS = {"comment", "name", "send", "sendRaw", "expect", "expectLines", "async", "atol", "rtol",
             "closeStdin", "exitCode", "worker", "description"}


class TranscriptError(Exception):
  """The transcript file itself is malformed (not a worker failure)."""


# MARK: - Matching expected against actual values


def match(expected, actual, path, atol, rtol):
  """Returns None when `actual` satisfies `expected`, else a one-line description of the first difference."""
  if isinstance(expected, dict) and len(expected) == 1 and next(iter(expected)) in OPERATORS:
    return _match_operator(next(iter(expected)), next(iter(expected.values())), actual, path, atol, rtol)
  if isinstance(expected, dict):
    if "$record" in expected:
      raise TranscriptError("%s: unrecorded {\"$record\": true} placeholder (run with --record)" % path)
    if not isinstance(actual, dict):
      return "%s: expected an object, got %s" % (path, _short(actual))
    partial = expected.get("$partial") is True
    keys = [key for key in expected if key != "$partial"]
    for key in keys:
      if key not in actual:
        return "%s: missing key %r" % (path, key)
      difference = match(expected[key], actual[key], "%s.%s" % (path, key), atol, rtol)
      if difference:
        return difference
    extra = sorted(set(actual) - set(keys))
    if extra and not partial:
      return "%s: unexpected keys %s" % (path, extra)
    return None
  if isinstance(expected, list):
    if not isinstance(actual, list):
      return "%s: expected an array, got %s" % (path, _short(actual))
    if len(expected) != len(actual):
      return "%s: expected %d elements, got %d" % (path, len(expected), len(actual))
    for index, (want, got) in enumerate(zip(expected, actual)):
      difference = match(want, got, "%s[%d]" % (path, index), atol, rtol)
      if difference:
        return difference
    return None
  if _is_number(expected):
    if not _is_number(actual):
      return "%s: expected a number, got %s" % (path, _short(actual))
    if not abs(actual - expected) <= atol + rtol * abs(expected):
      return "%s: expected %r, got %r (atol %g, rtol %g)" % (path, expected, actual, atol, rtol)
    return None
  if type(expected) is not type(actual) or expected != actual:
    return "%s: expected %s, got %s" % (path, _short(expected), _short(actual))
  return None


def _match_operator(operator, argument, actual, path, atol, rtol):
  if operator == "$any":
    return None
  if operator == "$type":
    kinds = {"null": actual is None, "boolean": isinstance(actual, bool), "number": _is_number(actual),
             "integer": _is_number(actual) and float(actual).is_integer(), "string": isinstance(actual, str),
             "array": isinstance(actual, list), "object": isinstance(actual, dict)}
    if argument not in kinds:
      raise TranscriptError("unknown $type %r" % (argument,))
    return None if kinds[argument] else "%s: expected a %s, got %s" % (path, argument, _short(actual))
  if operator == "$contains":
    if isinstance(actual, str) and argument in actual:
      return None
    return "%s: expected a string containing %r, got %s" % (path, argument, _short(actual))
  if operator == "$base64f32":
    if not isinstance(actual, str):
      return "%s: expected base64 float32, got %s" % (path, _short(actual))
    try:
      raw = base64.b64decode(actual, validate=True)
    except ValueError as error:
      return "%s: not base64 (%s)" % (path, error)
    if len(raw) % 4:
      return "%s: %d bytes is not a whole number of float32" % (path, len(raw))
    return match(argument, list(struct.unpack("<%df" % (len(raw) // 4), raw)), path + "<base64>", atol, rtol)
  if operator == "$oneOf":
    differences = [match(option, actual, path, atol, rtol) for option in argument]
    if any(difference is None for difference in differences):
      return None
    return "%s: matches none of %d alternatives (%s)" % (path, len(argument), "; ".join(differences))
  raise TranscriptError("%s: unrecorded {\"$record\": true} placeholder (run with --record)" % path)


def _is_number(value):
  return isinstance(value, (int, float)) and not isinstance(value, bool)


def _short(value, limit=120):
  text = json.dumps(value) if not isinstance(value, bytes) else repr(value)
  return text if len(text) <= limit else text[:limit] + "..."


# MARK: - Transcript steps


def expand(value, variables):
  """Substitutes ${MODEL} / ${REPO} / ${HERE} in strings and replaces {"$base64File": path} with the file's base64."""
  if isinstance(value, str):
    for name, replacement in variables.items():
      value = value.replace("${%s}" % name, replacement)
    return value
  if isinstance(value, list):
    return [expand(item, variables) for item in value]
  if isinstance(value, dict):
    if len(value) == 1 and "$base64File" in value:
      file = os.path.join(REPO, expand(value["$base64File"], variables))
      with open(file, "rb") as handle:
        return base64.b64encode(handle.read()).decode("ascii")
    return {key: expand(item, variables) for key, item in value.items()}
  return value


def line_key(line):
  """What pairs a response line with its expectation: the id (or, for a batch, the sorted ids)."""
  if isinstance(line, list):
    return ("batch", tuple(sorted(json.dumps(item.get("id") if isinstance(item, dict) else item) for item in line)))
  if isinstance(line, dict):
    return ("one", json.dumps(line.get("id", "<no id>")))
  return ("other", json.dumps(line))


def match_line(expected, actual, atol, rtol):
  """Compares one response line. Batch responses may list their members in any order: pair them by id."""
  if isinstance(expected, list) and isinstance(actual, list):
    if len(expected) != len(actual):
      return "batch: expected %d responses, got %d" % (len(expected), len(actual))
    remaining = list(actual)
    for index, want in enumerate(expected):
      key = line_key(want)
      candidates = [got for got in remaining if line_key(got) == key]
      if not candidates:
        return "batch[%d]: no response with id %s" % (index, key[1])
      remaining.remove(candidates[0])
      difference = match(want, candidates[0], "batch[id=%s]" % key[1], atol, rtol)
      if difference:
        return difference
    return None
  return match(expected, actual, "response", atol, rtol)


class Step:
  """One line of a transcript and what became of it."""

  def __init__(self, number, data, variables):
    unknown = set(data) - STEP_KEYS
    if unknown:
      raise TranscriptError("line %d: unknown keys %s" % (number, sorted(unknown)))
    self.number = number
    self.data = data
    self.send = expand(data["send"], variables) if "send" in data else None
    self.send_raw = expand(data["sendRaw"], variables) if "sendRaw" in data else None
    if "expect" in data and "expectLines" in data:
      raise TranscriptError("line %d: use either expect or expectLines" % number)
    expected = data["expectLines"] if "expectLines" in data else \
      ([data["expect"]] if data.get("expect") is not None else [])
    self.raw_expected = list(expected)
    self.expected = [expand(line, variables) for line in expected]
    self.variables = variables
    self.atol = data.get("atol", DEFAULT_ATOL)
    self.rtol = data.get("rtol", DEFAULT_RTOL)
    self.waits = not data.get("async", False)
    self.exit_code = data.get("exitCode")
    self.actual = [None] * len(self.expected)
    self.failure = None
    self.name = data.get("name") or self._default_name()

  def _default_name(self):
    message = self.send
    if isinstance(message, dict) and "method" in message:
      return str(message["method"]) + ("" if "id" in message else " (notification)")
    if isinstance(message, list):
      return "batch of %d" % len(message)
    if self.send_raw is not None:
      return "raw " + _short(self.send_raw, 40)
    return "close stdin" if self.data.get("closeStdin") else "step"

  @property
  def checks(self):
    return bool(self.expected) or self.exit_code is not None

  def complete(self):
    return all(line is not None for line in self.actual)


# MARK: - Running one transcript against a worker


class Run:
  """One transcript replayed against a fresh worker process."""

  def __init__(self, path, worker, model, timeout, record):
    model = os.path.abspath(model)
    self.path = path
    self.timeout = timeout
    self.record = record
    # Each transcript gets a persistent store of its own (never the user's), so that `cached` is what a fresh
    # worker on an empty store answers; ${STORE} names it in expectations.
    self.store = tempfile.mkdtemp(prefix="clip-worker-transcript-store-")
    self.variables = {"MODEL": model, "REPO": REPO, "HERE": os.path.dirname(os.path.abspath(path)),
                      "STORE": self.store}
    self.header, self.steps = self._load(path)
    arguments = [str(argument) for argument in self.header.get("args", [])]
    environment = dict(os.environ, CLIP_WORKER_STORE=self.store)
    self.process = subprocess.Popen([worker, "--model", model] + arguments, cwd=REPO, env=environment,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    self.lines = queue.Queue()
    self.stderr = []
    self.unexpected = []
    self.exit_checked = False
    threading.Thread(target=self._read_stdout, daemon=True).start()
    threading.Thread(target=self._read_stderr, daemon=True).start()

  def _load(self, path):
    header, steps = {}, []
    with open(path, encoding="utf-8") as handle:
      for number, text in enumerate(handle, start=1):
        if not text.strip():
          continue
        try:
          data = json.loads(text)
        except ValueError as error:
          raise TranscriptError("%s:%d: not JSON (%s)" % (path, number, error))
        if not isinstance(data, dict):
          raise TranscriptError("%s:%d: each line must be an object" % (path, number))
        if "worker" in data:
          if steps:
            raise TranscriptError("%s:%d: the worker line must come first" % (path, number))
          header = data["worker"]
          continue
        if set(data) <= {"comment", "description"}:
          continue
        steps.append(Step(number, data, self.variables))
    return header, steps

  def _read_stdout(self):
    for raw in iter(self.process.stdout.readline, b""):
      try:
        self.lines.put(("line", json.loads(raw)))
      except ValueError:
        self.lines.put(("garbage", raw))
    self.lines.put(("eof", None))

  def _read_stderr(self):
    for raw in iter(self.process.stderr.readline, b""):
      self.stderr.append(raw.decode("utf-8", "replace"))

  def execute(self):
    """Runs every step; returns the list of (step or None, name, failure-or-None) exchanges."""
    waiting = []
    eof = False
    for step in self.steps:
      if eof:
        step.failure = step.failure or "worker exited before this step"
        continue
      self._send(step)
      waiting.append(step)
      if step.waits or step.exit_code is not None:
        eof = self._collect(waiting, until=lambda: step.complete()) or eof
        if not step.complete() and not step.failure:
          got = "got %d of %d lines" % (sum(line is not None for line in step.actual), len(step.expected))
          step.failure = ("the worker's output ended (%s)" % got if eof
                          else "no response within %gs (%s)" % (self.timeout, got))
      if step.exit_code is not None:
        self._check_exit(step, step.exit_code)
        eof = True
    # Even after the worker exited, lines it wrote before are still queued ahead of the end marker.
    self._collect(waiting, until=lambda: all(step.complete() for step in waiting))
    for step in waiting:
      if not step.complete() and not step.failure:
        step.failure = "no response before the end of the transcript"
    exchanges = [(step, step.name, step.failure) for step in self.steps if step.checks or step.failure]
    if not self.exit_checked:
      end = Step(0, {"name": "end of input: exit status 0", "exitCode": 0}, self.variables)
      self._close_stdin()
      self._check_exit(end, 0)
      exchanges.append((None, end.name, end.failure))
    self._collect(waiting, until=lambda: False, drain=True)
    unexpected = "; ".join(_short(line) for line in self.unexpected)
    exchanges.append((None, "no unexpected output", "unexpected: " + unexpected if self.unexpected else None))
    return exchanges

  def _send(self, step):
    chunks = []
    if step.send is not None:
      chunks.append(json.dumps(step.send, ensure_ascii=False, separators=(",", ":")))
    if step.send_raw is not None:
      chunks.append(step.send_raw)
    try:
      if chunks:
        self.process.stdin.write(("\n".join(chunks) + "\n").encode("utf-8"))
        self.process.stdin.flush()
      if step.data.get("closeStdin"):
        self._close_stdin()
    except OSError as error:
      step.failure = "could not write to the worker: %s" % error

  def _close_stdin(self):
    try:
      self.process.stdin.close()
    except OSError:
      pass

  def _collect(self, waiting, until, drain=False):
    """Takes response lines and pairs them with waiting steps until `until()` holds or time runs out.
    Returns True when the worker's output has ended."""
    deadline = time.monotonic() + (5 if drain else self.timeout)
    while not until():
      remaining = deadline - time.monotonic()
      if remaining <= 0:
        return False
      try:
        kind, line = self.lines.get(timeout=remaining)
      except queue.Empty:
        return False
      if kind == "eof":
        self.lines.put(("eof", None))  # Later collections see the end too.
        return True
      if kind == "garbage":
        self.unexpected.append(line)
        continue
      self._pair(waiting, line)
    return False

  def _pair(self, waiting, line):
    """Gives `line` to the earliest open expectation with its id that it matches, or failing that to the
    earliest open expectation with its id (which then fails). Two open expectations share an id only for
    id null or a deliberately reused id."""
    key = line_key(line)
    candidates = [(step, index) for step in waiting for index, expected in enumerate(step.expected)
                  if step.actual[index] is None and line_key(expected) == key]
    if not candidates:
      self.unexpected.append(line)
      return
    if not self.record:
      fitting = [(step, index) for step, index in candidates
                 if match_line(step.expected[index], line, step.atol, step.rtol) is None]
      candidates = fitting or candidates
    step, index = candidates[0]
    step.actual[index] = line
    if self.record:
      step.raw_expected[index] = record(step.raw_expected[index], line, step.variables)
      step.expected[index] = expand(step.raw_expected[index], step.variables)
    difference = match_line(step.expected[index], line, step.atol, step.rtol)
    if difference and not step.failure:
      step.failure = difference

  def _check_exit(self, step, code):
    self.exit_checked = True
    try:
      status = self.process.wait(self.timeout)
    except subprocess.TimeoutExpired:
      self.process.kill()
      self.process.wait()
      step.failure = step.failure or "worker still running %gs later (killed)" % self.timeout
      return
    if status != code and not step.failure:
      step.failure = "exit status %s, expected %s" % (status, code)

  def stop(self):
    if self.process.poll() is None:
      self.process.kill()
    self.process.wait()
    for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
      try:
        stream.close()
      except OSError:
        pass
    shutil.rmtree(self.store, ignore_errors=True)


# MARK: - Recording


def record(expected, actual, variables):
  """Fills {"$record": true} placeholders in `expected` from `actual`; embeddings sent as base64 are written
  as {"$base64f32": [...]}, floats rounded to 8 significant digits (far inside the default tolerance), and the
  model and repository paths as ${MODEL} and ${REPO}."""
  if isinstance(expected, dict) and list(expected) == ["$record"]:
    return _recorded(actual, variables)
  if isinstance(expected, dict) and isinstance(actual, dict):
    recorded = {key: record(value, actual.get(key), variables) for key, value in expected.items()
                if key != "$record"}
    if expected.get("$record") is True:  # {"id": 1, "$record": true}: record every member not given.
      recorded.update({key: _recorded(value, variables) for key, value in actual.items() if key not in recorded})
    return recorded
  if isinstance(expected, list) and isinstance(actual, list):
    if all(isinstance(item, dict) and "id" in item for item in expected + actual):
      by_id = {json.dumps(item["id"]): item for item in actual}
      return [record(item, by_id.get(json.dumps(item["id"])), variables) for item in expected]
    return [record(want, got, variables) for want, got in zip(expected, actual)]
  return expected


def _recorded(value, variables):
  if isinstance(value, str):
    for name in ("MODEL", "REPO"):  # The model usually sits inside the repository: replace it first.
      value = value.replace(variables[name], "${%s}" % name)
    return value
  if isinstance(value, float):
    return float("%.8g" % value) if math.isfinite(value) else value
  if isinstance(value, list):
    return [_recorded(item, variables) for item in value]
  if isinstance(value, dict):
    copy = {key: _recorded(item, variables) for key, item in value.items()}
    embeddings = value.get("embeddings")
    if isinstance(embeddings, list) and embeddings and all(isinstance(row, str) for row in embeddings):
      copy["embeddings"] = [{"$base64f32": _recorded(decode_f32(row), variables)} for row in embeddings]
    return copy
  return value


def decode_f32(text):
  """A base64 string of little-endian float32 as a list of floats."""
  raw = base64.b64decode(text)
  return list(struct.unpack("<%df" % (len(raw) // 4), raw))


def write_recorded(run):
  """Rewrites the transcript with recorded expectations, keeping every other line as it was."""
  with open(run.path, encoding="utf-8") as handle:
    lines = handle.read().split("\n")
  for step in run.steps:
    data = dict(step.data)
    if "expectLines" in data:
      data["expectLines"] = step.raw_expected
    elif data.get("expect") is not None:
      data["expect"] = step.raw_expected[0]
    lines[step.number - 1] = json.dumps(data, ensure_ascii=False, separators=(", ", ": "))
  with open(run.path, "w", encoding="utf-8") as handle:
    handle.write("\n".join(lines))


# MARK: - Command line


def find_worker(explicit):
  if explicit:
    return explicit
  for candidate in (os.environ.get("CLIP_WORKER_BIN"), shutil.which("clip-worker"),
                    os.path.join(REPO, ".build", "release", "clip-worker"),
                    os.path.join(REPO, ".build", "debug", "clip-worker")):
    if candidate and os.access(candidate, os.X_OK):
      return candidate
  raise SystemExit("clip-worker not found: pass --worker or build it (swift build --product clip-worker)")


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  parser.add_argument("transcripts", nargs="+", help=".jsonl transcript files")
  parser.add_argument("--worker", help="clip-worker executable (default: CLIP_WORKER_BIN, PATH, .build/)")
  parser.add_argument("--model", default=DEFAULT_MODEL,
                      help="checkpoint directory (default: CLIP_WORKER_MODEL, else the tiny test checkpoint)")
  parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for each response")
  parser.add_argument("--record", action="store_true", help="fill in {\"$record\": true} placeholders")
  parser.add_argument("--verbose", action="store_true", help="print the worker's stderr after each transcript")
  options = parser.parse_args(argv)
  worker = find_worker(options.worker)
  passed = failed = 0
  for path in options.transcripts:
    try:
      run = Run(path, worker, options.model, options.timeout, options.record)
    except (TranscriptError, OSError) as error:
      print("FAIL %s: %s" % (path, error))
      failed += 1
      continue
    try:
      exchanges = run.execute()
    except TranscriptError as error:
      exchanges = [(None, "transcript", str(error))]
    finally:
      run.stop()
    name = os.path.relpath(path)
    for step, title, failure in exchanges:
      where = "%s:%d" % (name, step.number) if step else name
      if failure:
        failed += 1
        print("FAIL %s %s: %s" % (where, title, failure))
      else:
        passed += 1
        print("PASS %s %s" % (where, title))
    if options.verbose or any(failure for _, _, failure in exchanges):
      tail = "".join(run.stderr[-20:])
      if tail:
        print("  worker stderr (last lines):\n    " + tail.rstrip("\n").replace("\n", "\n    "))
    if options.record:
      write_recorded(run)
  print("%d passed, %d failed" % (passed, failed))
  return 1 if failed else 0


if __name__ == "__main__":
  sys.exit(main())
