"""What needs no worker: image inputs (paths, bytes, PIL, NumPy, data URIs, URLs), the PNG encoder, locating the
executable, the error classes and both shapes of `cached`."""

import base64
import contextlib
import functools
import http.server
import io
import os
import tempfile
import threading
import unittest
import urllib.error
from unittest import mock

from support import DISK_PNG

from clip_worker import (ClipWorkerError, InputFailedError, InternalError, MessageTooLargeError,
                         ModelUnavailableError, RequestCancelledError, ShuttingDownError, cache_source,
                         find_executable, image_input)
from clip_worker import errors
from clip_worker.png import encode_rgb_png

try:
  import numpy
except ImportError:
  numpy = None
try:
  from PIL import Image
except ImportError:
  Image = None


def decoded(image_input_object):
  return base64.b64decode(image_input_object["data"])


@contextlib.contextmanager
def serving(directory):
  """An http.server on 127.0.0.1 serving `directory`; yields its base URL."""
  handler = functools.partial(QuietHandler, directory=directory)
  server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
  thread = threading.Thread(target=server.serve_forever, daemon=True)
  thread.start()
  try:
    yield "http://127.0.0.1:%d" % server.server_address[1]
  finally:
    server.shutdown()
    server.server_close()
    thread.join(10)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
  def log_message(self, *arguments):
    pass


class ImageInputTests(unittest.TestCase):
  def test_paths_become_absolute(self):
    relative = os.path.relpath(DISK_PNG)
    self.assertEqual(image_input(relative), {"path": DISK_PNG})

  def test_bytes_and_file_objects_become_base64(self):
    encoded = {"data": base64.b64encode(b"\x89PNG").decode("ascii")}
    self.assertEqual(image_input(b"\x89PNG"), encoded)
    self.assertEqual(image_input(bytearray(b"\x89PNG")), encoded)
    self.assertEqual(image_input(io.BytesIO(b"\x89PNG")), encoded)

  def test_text_file_objects_and_other_types_are_refused(self):
    with self.assertRaises(TypeError):
      image_input(io.StringIO("not binary"))
    with self.assertRaises(TypeError):
      image_input(42)
    with self.assertRaises(TypeError):
      image_input({"path": "a", "data": "b"})

  def test_image_input_dicts_pass_through(self):
    self.assertEqual(image_input({"data": "AAAA"}), {"data": "AAAA"})

  def test_data_uris_send_their_bytes(self):
    with open(DISK_PNG, "rb") as handle:
      content = handle.read()
    uri = "data:image/png;base64," + base64.b64encode(content).decode("ascii")
    self.assertEqual(decoded(image_input(uri)), content)
    self.assertEqual(decoded(image_input("data:,%89PNG")), b"\x89PNG")
    with self.assertRaises(ValueError):
      image_input("data:image/png;base64,not*base64")
    with self.assertRaises(ValueError):
      image_input("data:image/png;base64")

  def test_urls_are_fetched_by_the_client(self):
    with open(DISK_PNG, "rb") as handle:
      content = handle.read()
    with serving(os.path.dirname(DISK_PNG)) as base:
      self.assertEqual(decoded(image_input(base + "/disk.png")), content)
      with self.assertRaises(urllib.error.HTTPError) as raised:
        image_input(base + "/missing.png")
      self.assertEqual(raised.exception.code, 404)

  @unittest.skipIf(numpy is None, "numpy not installed")
  def test_numpy_arrays_become_lossless_pngs(self):
    pixels = numpy.arange(4 * 5 * 3, dtype=numpy.uint8).reshape(4, 5, 3)
    self.assertEqual(decoded(image_input(pixels)), encode_rgb_png(pixels.tobytes(), 5, 4))
    self.assertEqual(decoded(image_input(pixels[:, ::-1])), encode_rgb_png(pixels[:, ::-1].copy().tobytes(), 5, 4))
    for wrong in (pixels.astype(numpy.float32), pixels[:, :, :2], pixels[:, :, 0]):
      with self.assertRaises(ValueError):
        image_input(wrong)

  @unittest.skipIf(numpy is None or Image is None, "numpy or Pillow not installed")
  def test_png_encoder_round_trips_through_pillow(self):
    pixels = numpy.random.default_rng(7).integers(0, 256, size=(9, 13, 3), dtype=numpy.uint8)
    png = encode_rgb_png(pixels.tobytes(), 13, 9)
    with Image.open(io.BytesIO(png)) as image:
      self.assertEqual((image.mode, image.size), ("RGB", (13, 9)))
      self.assertTrue((numpy.asarray(image) == pixels).all())
    with self.assertRaises(ValueError):
      encode_rgb_png(b"\x00" * 10, 2, 2)

  @unittest.skipIf(numpy is None or Image is None, "numpy or Pillow not installed")
  def test_pil_images_are_sent_as_their_rgb_pixels(self):
    pixels = numpy.random.default_rng(3).integers(0, 256, size=(6, 7, 4), dtype=numpy.uint8)
    rgba = Image.fromarray(pixels, "RGBA")
    sent = decoded(image_input(rgba))
    with Image.open(io.BytesIO(sent)) as image:
      self.assertEqual(image.mode, "RGB")
      self.assertTrue((numpy.asarray(image) == pixels[:, :, :3]).all())


class FindExecutableTests(unittest.TestCase):
  def setUp(self):
    self.directory = tempfile.TemporaryDirectory()
    self.addCleanup(self.directory.cleanup)

  def executable(self, *parts):
    path = os.path.join(self.directory.name, *parts)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
      handle.write("#!/bin/sh\n")
    os.chmod(path, 0o755)
    return path

  def test_explicit_path_that_is_missing_is_an_error(self):
    with self.assertRaises(FileNotFoundError):
      find_executable("/nonexistent/clip-worker")

  def test_explicit_executable_is_returned(self):
    path = self.executable("clip-worker")
    self.assertEqual(find_executable(path), path)

  def test_environment_then_legacy_variable_then_path(self):
    first, second, on_path = self.executable("a", "clip-worker"), self.executable("b", "clip-worker"), \
      self.executable("c", "clip-worker")
    clean = {"PATH": os.path.dirname(on_path)}
    with mock.patch.dict(os.environ, dict(clean, CLIP_WORKER_EXE=first, CLIP_WORKER_BIN=second), clear=True):
      self.assertEqual(find_executable(), first)
    with mock.patch.dict(os.environ, dict(clean, CLIP_WORKER_BIN=second), clear=True):
      self.assertEqual(find_executable(), second)
    with mock.patch.dict(os.environ, clean, clear=True):
      self.assertEqual(find_executable(), on_path)
    with mock.patch.dict(os.environ, dict(clean, CLIP_WORKER_EXE=os.path.join(self.directory.name, "none")),
                         clear=True):
      with self.assertRaisesRegex(FileNotFoundError, "CLIP_WORKER_EXE"):
        find_executable()

  def test_a_checkout_above_the_current_directory_is_searched(self):
    checkout = os.path.join(self.directory.name, "checkout")
    built = self.executable("checkout", ".build", "debug", "clip-worker")
    with open(os.path.join(checkout, "Package.swift"), "w") as handle:
      handle.write("// swift-tools-version:5.9\n")
    inside = os.path.join(checkout, "some", "folder")
    os.makedirs(inside)
    previous = os.getcwd()
    os.chdir(inside)
    try:
      with mock.patch.dict(os.environ, {"PATH": self.directory.name}, clear=True):
        # The installed package's own folder has no checkout above it; the current directory does.
        self.assertIn(built, [os.path.join(root, ".build", "debug", "clip-worker")
                              for root in __import__("clip_worker.locate").locate.checkout_roots()])
        self.assertTrue(find_executable().endswith(os.path.join(".build", "debug", "clip-worker")))
    finally:
      os.chdir(previous)

  def test_not_found_says_how_to_build_it(self):
    empty = os.path.join(self.directory.name, "empty")
    os.makedirs(empty)
    previous = os.getcwd()
    os.chdir(empty)
    try:
      with mock.patch.dict(os.environ, {"PATH": empty}, clear=True), \
           mock.patch("clip_worker.locate.checkout_roots", return_value=[]):
        with self.assertRaisesRegex(FileNotFoundError, "swift build"):
          find_executable()
    finally:
      os.chdir(previous)


class ErrorClassTests(unittest.TestCase):
  def test_each_code_has_its_class_carrying_data(self):
    cases = {-32700: errors.ParseError, -32600: errors.InvalidRequestError, -32601: errors.MethodNotFoundError,
             -32602: errors.InvalidParamsError, -32603: InternalError, -32001: InputFailedError,
             -32002: ModelUnavailableError, -32003: ShuttingDownError, -32004: MessageTooLargeError,
             -32800: RequestCancelledError}
    for code, cls in cases.items():
      error = ClipWorkerError.from_wire({"code": code, "message": "m", "data": {"k": code}})
      self.assertIs(type(error), cls, code)
      self.assertEqual((error.code, error.message, error.data), (code, "m", {"k": code}))
      self.assertIsInstance(error, ClipWorkerError)
    self.assertIs(type(ClipWorkerError.from_wire({"code": -31000, "message": "new"})), ClipWorkerError)
    self.assertIsInstance(ClipWorkerError.from_wire("garbage"), InternalError)
    self.assertTrue(ClipWorkerError.from_wire({"code": -32800, "message": ""}).cancelled)


class CachedShapeTests(unittest.TestCase):
  def test_booleans_and_sources_are_both_read(self):
    self.assertEqual([cache_source(value) for value in (True, False, "memory", "store")],
                     ["memory", False, "memory", "store"])
    with self.assertRaises(ValueError):
      cache_source("disk")


if __name__ == "__main__":
  unittest.main()
