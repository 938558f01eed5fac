"""Argument handling that needs no worker: image inputs and locating the executable."""

import base64
import io
import os
import tempfile
import unittest

from support import DISK_PNG

from clip_worker import find_executable, image_input


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


class FindExecutableTests(unittest.TestCase):
  def test_explicit_path_that_is_missing_is_an_error(self):
    with self.assertRaises(FileNotFoundError):
      find_executable("/nonexistent/clip-worker")

  def test_explicit_executable_is_returned(self):
    with tempfile.TemporaryDirectory() as directory:
      path = os.path.join(directory, "clip-worker")
      with open(path, "w") as handle:
        handle.write("#!/bin/sh\n")
      os.chmod(path, 0o755)
      self.assertEqual(find_executable(path), path)


if __name__ == "__main__":
  unittest.main()
