"""Shared setup for the client tests: they run against the real clip-worker binary and the tiny checkpoint.

The binary is found like the client finds it (CLIP_WORKER_BIN, PATH, .build/{release,debug}); the model is
CLIP_WORKER_MODEL or the repository's Tests/CLIPTests/Fixtures/tiny-clip. Build first:
`swift build --product clip-worker`.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from clip_worker import ClipWorker, find_executable  # noqa: E402  (after the path set-up above)
from clip_worker.locate import repository_root  # noqa: E402

REPO = repository_root()
IMAGES = os.path.join(REPO, "protocol", "examples", "images")
DISK_PNG = os.path.join(IMAGES, "disk.png")
GRADIENT_JPG = os.path.join(IMAGES, "gradient.jpg")


def model_directory():
  model = os.environ.get("CLIP_WORKER_MODEL") or os.path.join(REPO, "Tests", "CLIPTests", "Fixtures", "tiny-clip")
  if not os.path.isfile(os.path.join(model, "config.json")):
    raise FileNotFoundError("test checkpoint not found at %s (set CLIP_WORKER_MODEL)" % model)
  return model


def start_worker(**options):
  """A ClipWorker on the test checkpoint; `options` go to the constructor."""
  options.setdefault("timeout", 60)
  return ClipWorker(model=model_directory(), executable=find_executable(), **options)
