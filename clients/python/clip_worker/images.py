"""Turning what callers pass as an image into the wire's ImageInput ({"path": ...} or {"data": base64})."""

import base64
import os


def image_input(image):
  """Maps one image argument to an ImageInput object.

  - str or os.PathLike: a file path, made absolute so the worker's working directory does not matter;
  - bytes, bytearray or memoryview: the encoded file (PNG, JPEG, ...), sent base64-encoded;
  - a binary file-like object (anything with `read()`): read to the end and sent like bytes;
  - a dict with exactly one of "path" or "data": passed through unchanged.
  """
  if isinstance(image, dict):
    if len(image) == 1 and ("path" in image or "data" in image):
      return image
    raise TypeError("an image dict must have exactly one key, 'path' or 'data', got %r" % sorted(image))
  if isinstance(image, (str, os.PathLike)):
    return {"path": os.path.abspath(os.fspath(image))}
  if isinstance(image, (bytes, bytearray, memoryview)):
    return {"data": base64.b64encode(bytes(image)).decode("ascii")}
  if hasattr(image, "read"):
    content = image.read()
    if not isinstance(content, (bytes, bytearray)):
      raise TypeError("image file objects must be opened in binary mode")
    return {"data": base64.b64encode(bytes(content)).decode("ascii")}
  raise TypeError("unsupported image type %s: pass a path, bytes or a binary file object" % type(image).__name__)


def is_single_image(image):
  """True when `image` is one image rather than a list or tuple of them."""
  return not isinstance(image, (list, tuple))
