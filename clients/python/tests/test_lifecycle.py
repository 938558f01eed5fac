"""The process behind a client: ended when the object is collected or the interpreter exits, its stderr let
through, `$/progress` surfaced, the newer `cached` shape read."""

import gc
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

from support import HERE, model_directory, pid_alive, start_worker

from clip_worker import ClipWorker, find_executable

FAKE_WORKER = os.path.join(HERE, "fake_worker.py")


def wait_until_gone(pid, seconds=15):
  deadline = time.monotonic() + seconds
  while time.monotonic() < deadline:
    if not pid_alive(pid):
      return True
    time.sleep(0.05)
  return False


def fake_executable(directory):
  """A `clip-worker` script running fake_worker.py with this interpreter."""
  path = os.path.join(directory, "clip-worker")
  with open(path, "w") as handle:
    handle.write("#!/bin/sh\nexec %s %s \"$@\"\n" % (sys.executable, FAKE_WORKER))
  os.chmod(path, 0o755)
  return path


def run_python(source, timeout=60):
  """Runs `source` in a fresh interpreter (same environment, so the same installed clip_worker)."""
  return subprocess.run([sys.executable, "-c", textwrap.dedent(source)], capture_output=True, text=True,
                        timeout=timeout, env=dict(os.environ, CLIP_WORKER_EXE=find_executable()))


class FinalizerTests(unittest.TestCase):
  def test_a_dropped_worker_is_ended_when_collected(self):
    worker = start_worker()
    pid = worker.process.pid
    self.assertTrue(pid_alive(pid))
    del worker
    gc.collect()
    self.assertTrue(wait_until_gone(pid), "worker %d still running after its client was collected" % pid)

  def test_a_dropped_worker_with_a_reference_cycle_is_ended_by_the_collector(self):
    worker = start_worker()
    worker.myself = worker  # Only the cycle collector can free this one.
    pid = worker.process.pid
    del worker
    gc.collect()
    self.assertTrue(wait_until_gone(pid))

  def test_a_worker_left_open_is_ended_at_interpreter_exit(self):
    finished = run_python("""
      import clip_worker
      worker = clip_worker.ClipWorker(%r, stderr="capture")
      print(worker.process.pid, flush=True)
      KEEP = worker   # a global: alive until the interpreter exits
    """ % model_directory())
    self.assertEqual(finished.returncode, 0, finished.stderr)
    self.assertTrue(wait_until_gone(int(finished.stdout.split()[0])))


class StderrTests(unittest.TestCase):
  def test_stderr_is_forwarded_and_kept_by_default(self):
    finished = run_python("""
      import clip_worker
      with clip_worker.ClipWorker(%r) as worker:
        worker.encode_text("hello")
      print("tail has ready:", "ready" in worker.stderr_tail)
    """ % model_directory())
    self.assertEqual(finished.returncode, 0, finished.stderr)
    self.assertIn("ready", finished.stderr)
    self.assertIn("tail has ready: True", finished.stdout)

  def test_capture_keeps_the_tail_only(self):
    with start_worker(stderr="capture", log_level="info") as worker:
      worker.encode_text("hello")
    self.assertIn("ready", worker.stderr_tail)


class FakeWorkerTests(unittest.TestCase):
  def setUp(self):
    directory = tempfile.TemporaryDirectory()
    self.addCleanup(directory.cleanup)
    self.executable = fake_executable(directory.name)

  def test_progress_is_asked_for_and_reaches_the_callback(self):
    reports = []
    with ClipWorker("fake", self.executable, progress=reports.append, stderr="capture", timeout=30) as worker:
      self.assertEqual(worker.info["model"]["id"], "fake")
    self.assertEqual([report["bytesDone"] for report in reports], [0, 512, 1024])
    self.assertEqual(reports[0]["file"], "model.safetensors")

  def test_progress_false_does_not_ask(self):
    reports = []
    with ClipWorker("fake", self.executable, progress=False, stderr="capture", timeout=30):
      pass
    with ClipWorker("fake", self.executable, progress=reports.append, initialize=False, stderr="capture") as worker:
      worker.request("initialize", {}, timeout=30)
    self.assertEqual(reports, [])

  def test_a_failing_progress_callback_does_not_stop_the_client(self):
    def broken(report):
      raise RuntimeError("callback bug")
    with self.assertLogs("clip_worker", level="ERROR"):
      with ClipWorker("fake", self.executable, progress=broken, stderr="capture", timeout=30) as worker:
        self.assertEqual(worker.encode_text("still answered"), [0.0] * 4)

  def test_string_cache_sources_are_read(self):
    with ClipWorker("fake", self.executable, stderr="capture", progress=False, timeout=30) as worker:
      result = worker.encode_text(["a", "b", "c"], details=True)
    self.assertEqual(result.cached, ["memory", "store", False])
    self.assertEqual(result.embeddings, [[0.0] * 4] * 3)


if __name__ == "__main__":
  unittest.main()
