"""Shared setup for the client tests: they run against the real clip-worker binary and the tiny checkpoint, and
import the INSTALLED clip_worker package (bash clients/run-tests.sh builds a wheel, installs it into a temporary
folder and puts that on PYTHONPATH; it sets CLIP_WORKER_PACKAGE_DIR to that folder, which is checked here).

The binary is found like the client finds it (CLIP_WORKER_EXE, PATH, a checkout's .build/{release,debug}); the
model is CLIP_WORKER_MODEL or the repository's Tests/CLIPTests/Fixtures/tiny-clip. Build first:
`swift build --product clip-worker`.
"""

import os

import clip_worker
from clip_worker import ClipWorker, find_executable

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
IMAGES = os.path.join(REPO, "protocol", "examples", "images")
DISK_PNG = os.path.join(IMAGES, "disk.png")
GRADIENT_JPG = os.path.join(IMAGES, "gradient.jpg")
PACKAGE_DIR = os.environ.get("CLIP_WORKER_PACKAGE_DIR")

if PACKAGE_DIR and not os.path.abspath(clip_worker.__file__).startswith(os.path.abspath(PACKAGE_DIR) + os.sep):
  raise ImportError("clip_worker was imported from %s, not from the installed copy in %s" % (
    clip_worker.__file__, PACKAGE_DIR))


def model_directory():
  model = os.environ.get("CLIP_WORKER_MODEL") or os.path.join(REPO, "Tests", "CLIPTests", "Fixtures", "tiny-clip")
  if not os.path.isfile(os.path.join(model, "config.json")):
    raise FileNotFoundError("test checkpoint not found at %s (set CLIP_WORKER_MODEL)" % model)
  return model


def start_worker(**options):
  """A ClipWorker on the test checkpoint; `options` go to the constructor. The worker's stderr is captured
  (kept for errors, not forwarded) unless a test asks otherwise."""
  options.setdefault("timeout", 60)
  options.setdefault("stderr", "capture")
  return ClipWorker(model=model_directory(), executable=find_executable(), **options)


def pid_alive(pid):
  """True while process `pid` exists and is not a zombie."""
  try:
    with open("/proc/%d/stat" % pid) as handle:
      return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
  except FileNotFoundError:
    return False
