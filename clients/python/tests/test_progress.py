"""Issue 20: download progress as tqdm bars when tqdm is installed (a notebook shows tqdm.auto's widget, a terminal
its text bar), and the progress option's choices. No worker needed: the handler is fed `$/progress` params."""

import contextlib
import io
import unittest

from clip_worker.progress import TqdmProgress, progress_handler

try:
  import tqdm  # noqa: F401
  HAVE_TQDM = True
except ImportError:
  HAVE_TQDM = False


class ProgressOptionTest(unittest.TestCase):
  def test_false_asks_for_nothing_and_a_callback_is_used_as_is(self):
    self.assertIsNone(progress_handler(False))
    def callback(params):
      pass
    self.assertIs(progress_handler(callback), callback)

  @unittest.skipIf(HAVE_TQDM, "tqdm is installed")
  def test_without_tqdm_none_is_silent_and_true_is_an_error(self):
    self.assertIsNone(progress_handler(None))
    with self.assertRaisesRegex(RuntimeError, "tqdm"):
      progress_handler(True)


@unittest.skipUnless(HAVE_TQDM, "tqdm is not installed")
class TqdmProgressTest(unittest.TestCase):
  def test_none_and_true_give_a_bar_per_file_closed_when_complete(self):
    self.assertIsInstance(progress_handler(None), TqdmProgress)
    bars = progress_handler(True)
    self.assertIsInstance(bars, TqdmProgress)
    shown = io.StringIO()
    with contextlib.redirect_stderr(shown):
      bars({"token": "download", "file": "model.safetensors", "bytesDone": 0, "bytesTotal": 2048})
      bars({"token": "download", "file": "config.json", "bytesDone": 10, "bytesTotal": 10})
      bars({"token": "download", "file": "model.safetensors", "bytesDone": 1024, "bytesTotal": 2048})
      bars({"token": "download", "file": "model.safetensors", "bytesDone": 2048, "bytesTotal": 2048})
      # A report after the last one changes nothing (the bar is closed).
      bars({"token": "download", "file": "model.safetensors", "bytesDone": 2048, "bytesTotal": 2048})
    text = shown.getvalue()
    self.assertIn("model.safetensors", text)
    self.assertIn("config.json", text)
    self.assertIn("100%", text)
    self.assertEqual(bars._finished, {"model.safetensors", "config.json"})
    self.assertEqual(bars._bars["model.safetensors"].n, 2048)


if __name__ == "__main__":
  unittest.main()
