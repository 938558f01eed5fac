"""What the threaded and the asyncio clients share: the params each method sends and the decoding of its result.

No I/O here: a method call becomes a `Call` (the wire method, its params and how to turn the result into what the
caller gets), which each client sends its own way.
"""

from __future__ import annotations

import array
import base64
import sys
from typing import Any, Callable, Dict, List, Literal, NamedTuple, Optional, Sequence, Union, cast

from .images import DEFAULT_URL_TIMEOUT, ImageLike, image_input, is_single_image

try:
  import numpy
except ImportError:  # NumPy is optional: without it results are lists and as_numpy=True is refused.
  numpy = None  # type: ignore[assignment]

Vector = List[float]
LabelScore = Dict[str, Any]
#: Where an input's embedding came from when it was not computed for the request: the in-memory cache, the
#: on-disk store, or False when it was computed. Workers before the store answer booleans (True: "memory").
CacheSource = Union[Literal["memory", "store"], Literal[False]]
Transform = Callable[[Any], Any]


class Call(NamedTuple):
  """One request as a client sends it."""
  method: str
  params: Optional[Dict[str, Any]]
  transform: Optional[Transform] = None


class EmbeddingResult(NamedTuple):
  """An encodeText/encodeImage result with its details (`details=True`)."""
  #: One vector per input (lists of floats), or an (n, dim) float32 array with as_numpy=True.
  embeddings: Any
  dim: int
  #: The model's id.
  model: str
  #: Per input, where its embedding came from (see CacheSource).
  cached: List[CacheSource]


def cache_source(value: Any) -> CacheSource:
  """One entry of a result's `cached`, in either wire shape: a boolean (before issue 16) or
  "memory" / "store" / false."""
  if value is True:
    return "memory"
  if value is False or value is None:
    return False
  if value in ("memory", "store"):
    return value
  raise ValueError("unexpected cached value %r" % (value,))


def encode_text(texts: Union[str, Sequence[str]], *, normalize: bool, as_numpy: bool, details: bool) -> Call:
  single = isinstance(texts, str)
  listed = [texts] if isinstance(texts, str) else list(texts)
  for text in listed:
    if not isinstance(text, str):
      raise TypeError("texts must be strings, got %s" % type(text).__name__)
  return Call("encodeText", {"texts": listed, "normalize": normalize, "encoding": "base64"},
              embeddings_decoder(single, as_numpy, details))


def encode_image(images: Union[ImageLike, Sequence[ImageLike]], *, normalize: bool, as_numpy: bool,
                 details: bool, url_timeout: Optional[float] = DEFAULT_URL_TIMEOUT) -> Call:
  single = is_single_image(images)
  inputs = [image_input(images, url_timeout=url_timeout)] if single else \
    [image_input(image, url_timeout=url_timeout) for image in cast(Sequence[ImageLike], images)]
  return Call("encodeImage", {"images": inputs, "normalize": normalize, "encoding": "base64"},
              embeddings_decoder(single, as_numpy, details))


def classify(image: Union[ImageLike, Sequence[ImageLike]], labels: Optional[Sequence[str]], *,
             template: Optional[str], top_k: Optional[int], candidate_labels: Optional[Sequence[str]],
             hypothesis_template: Optional[str], url_timeout: Optional[float] = DEFAULT_URL_TIMEOUT) -> Call:
  """`labels`/`candidate_labels` and `template`/`hypothesis_template` are the same parameter under the worker's
  and transformers' pipeline's names: one of each pair may be given."""
  labels = _one_of("labels", labels, "candidate_labels", candidate_labels)
  template = _one_of("template", template, "hypothesis_template", hypothesis_template)
  if labels is None:
    raise TypeError("classify() needs labels (or candidate_labels)")
  if isinstance(labels, str):
    raise TypeError("labels must be a list of strings, not a str")
  params: Dict[str, Any] = {"labels": list(labels)}
  if is_single_image(image):
    params["image"] = image_input(image, url_timeout=url_timeout)
  else:
    params["images"] = [image_input(one, url_timeout=url_timeout) for one in cast(Sequence[ImageLike], image)]
  if template is not None:
    params["template"] = template
  if top_k is not None:
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
      raise ValueError("top_k must be an integer of at least 1, got %r" % (top_k,))
    params["topK"] = top_k
  return Call("classify", params)


def _one_of(name: str, value: Any, alias: str, alias_value: Any) -> Any:
  if value is not None and alias_value is not None:
    raise TypeError("pass %s or %s, not both" % (name, alias))
  return alias_value if value is None else value


def embeddings_decoder(single: bool, as_numpy: bool, details: bool) -> Transform:
  """Decodes an encodeText/encodeImage result sent with encoding "base64" (little-endian float32)."""
  if as_numpy and numpy is None:
    raise RuntimeError("as_numpy=True needs numpy, which is not installed")

  def decode(result: Dict[str, Any]) -> Any:
    rows = [base64.b64decode(row) for row in result["embeddings"]]
    embeddings: Any
    if as_numpy:
      assert numpy is not None
      matrix = numpy.stack([numpy.frombuffer(row, dtype="<f4").astype(numpy.float32) for row in rows]) if rows \
        else numpy.zeros((0, result["dim"]), dtype=numpy.float32)
      embeddings = matrix[0] if single else matrix
    else:
      vectors = []
      for row in rows:
        values = array.array("f", row)
        if sys.byteorder == "big":
          values.byteswap()
        vectors.append(values.tolist())
      embeddings = vectors[0] if single else vectors
    if not details:
      return embeddings
    cached = [cache_source(value) for value in result.get("cached", [False] * len(rows))]
    return EmbeddingResult(embeddings, result["dim"], result.get("model", ""), cached[0:1] if single else cached)

  return decode
