"""Turning what callers hold as an image into the wire's ImageInput ({"path": ...} or {"data": base64}).

Accepted, one image at a time (a list or tuple means many):
- str or os.PathLike: a file path, made absolute here (the worker would resolve a relative path against its own
  working directory, which is the caller's only by accident);
- a str starting with `data:`: a data URI, its bytes sent as `data` (base64 or percent-encoded payloads);
- a str starting with `http://` or `https://`: fetched by the client with urllib (never by the worker), sent as
  `data`;
- bytes, bytearray or memoryview: the encoded file (PNG, JPEG, GIF, BMP), sent as `data`;
- a binary file object (anything with `read()` returning bytes): read to the end, sent as `data`;
- a `PIL.Image.Image`: EXIF orientation applied and converted to RGB (what transformers' `load_image` does),
  then sent as a PNG of those pixels;
- a NumPy `uint8` array of shape (height, width, 3): RGB pixels, sent as a PNG;
- a dict with exactly one of "path" or "data": the wire's ImageInput, passed through unchanged.
Pillow and NumPy are never imported here unless the caller already has them loaded.
"""

from __future__ import annotations

import base64
import os
import sys
import urllib.parse
import urllib.request
from typing import Any, Dict, List, Optional, Sequence, Union

from .png import encode_rgb_png

ImageInput = Dict[str, str]
#: Anything `image_input` accepts (PIL images and NumPy arrays are typed loosely: both are optional imports).
ImageLike = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, ImageInput, Any]

#: Seconds to wait for an http(s) image unless the caller says otherwise.
DEFAULT_URL_TIMEOUT = 30.0


def image_input(image: ImageLike, *, url_timeout: Optional[float] = DEFAULT_URL_TIMEOUT) -> ImageInput:
  """Maps one image argument to an ImageInput object (see the module's documentation for what is accepted).

  Raises TypeError for an unsupported type, ValueError for a malformed data URI or array shape, and
  urllib.error.URLError (an OSError) when a URL cannot be fetched.
  """
  if isinstance(image, dict):
    if len(image) == 1 and ("path" in image or "data" in image):
      return image
    raise TypeError("an image dict must have exactly one key, 'path' or 'data', got %r" % sorted(image))
  if isinstance(image, str):
    if image.startswith("data:"):
      return {"data": _encode(_data_uri_bytes(image))}
    if image.startswith(("http://", "https://")):
      return {"data": _encode(fetch_url(image, timeout=url_timeout))}
    return {"path": os.path.abspath(image)}
  if isinstance(image, os.PathLike):
    return {"path": os.path.abspath(os.fspath(image))}
  if isinstance(image, (bytes, bytearray, memoryview)):
    return {"data": _encode(bytes(image))}
  if _is_pil_image(image):
    return {"data": _encode(_pil_png(image))}
  if _is_numpy_array(image):
    return {"data": _encode(_array_png(image))}
  if hasattr(image, "read"):
    content = image.read()
    if not isinstance(content, (bytes, bytearray)):
      raise TypeError("image file objects must be opened in binary mode")
    return {"data": _encode(bytes(content))}
  raise TypeError("unsupported image type %s: pass a path, URL, data URI, bytes, a binary file object, a PIL "
                  "image or a uint8 HxWx3 NumPy array" % type(image).__name__)


def image_inputs(images: Sequence[ImageLike], *,
                 url_timeout: Optional[float] = DEFAULT_URL_TIMEOUT) -> List[ImageInput]:
  """`image_input` for each of `images`, in order."""
  return [image_input(image, url_timeout=url_timeout) for image in images]


def is_single_image(image: Any) -> bool:
  """True when `image` is one image rather than a list or tuple of them."""
  return not isinstance(image, (list, tuple))


def fetch_url(url: str, *, timeout: Optional[float] = DEFAULT_URL_TIMEOUT) -> bytes:
  """The body of an http(s) URL, read with urllib; an HTTP error status raises urllib.error.HTTPError."""
  request = urllib.request.Request(url, headers={"User-Agent": "clip-worker-python"})
  with urllib.request.urlopen(request, timeout=timeout) as response:
    return response.read()


def _encode(content: bytes) -> str:
  return base64.b64encode(content).decode("ascii")


def _data_uri_bytes(uri: str) -> bytes:
  """The payload of a `data:[<mediatype>][;base64],<data>` URI (RFC 2397)."""
  header, comma, payload = uri.partition(",")
  if not comma:
    raise ValueError("a data URI needs a comma before its payload: %r" % uri[:64])
  if header.endswith(";base64"):
    try:
      return base64.b64decode("".join(payload.split()), validate=True)
    except ValueError as error:
      raise ValueError("the data URI's base64 payload is malformed: %s" % error) from None
  return urllib.parse.unquote_to_bytes(payload)


def _is_pil_image(image: Any) -> bool:
  pil = sys.modules.get("PIL.Image")
  return pil is not None and isinstance(image, pil.Image)


def _is_numpy_array(image: Any) -> bool:
  numpy = sys.modules.get("numpy")
  return numpy is not None and isinstance(image, numpy.ndarray)


def _pil_png(image: Any) -> bytes:
  from PIL import ImageOps  # Loaded already: `image` is a PIL image.
  rgb = ImageOps.exif_transpose(image).convert("RGB")
  return encode_rgb_png(rgb.tobytes(), rgb.width, rgb.height)


def _array_png(array: Any) -> bytes:
  import numpy  # Loaded already: `array` is a NumPy array.
  if array.dtype != numpy.uint8 or array.ndim != 3 or array.shape[2] != 3:
    raise ValueError("a NumPy image must be uint8 with shape (height, width, 3), got %s %s" % (
      array.dtype, array.shape))
  height, width, _ = array.shape
  return encode_rgb_png(numpy.ascontiguousarray(array).tobytes(), width, height)
