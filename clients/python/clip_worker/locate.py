"""Finding the clip-worker executable."""

import os
import shutil

EXECUTABLE_ENV = "CLIP_WORKER_BIN"
_NAME = "clip-worker"


def repository_root():
  """The repository this client sits in (clients/python/clip_worker -> three levels up)."""
  return os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def find_executable(explicit=None):
  """Returns the path of the worker executable, looked up in this order:

  1. `explicit` (an argument), 2. the `CLIP_WORKER_BIN` environment variable, 3. `clip-worker` on PATH,
  4. the repository's `.build/release/clip-worker`, then `.build/debug/clip-worker`.
  Raises FileNotFoundError naming every place tried.
  """
  tried = []
  if explicit:
    explicit = os.fspath(explicit)
    if _is_executable(explicit):
      return os.path.abspath(explicit)
    raise FileNotFoundError("clip-worker executable not found at %s" % explicit)
  from_env = os.environ.get(EXECUTABLE_ENV)
  if from_env:
    if _is_executable(from_env):
      return os.path.abspath(from_env)
    raise FileNotFoundError("%s=%s is not an executable file" % (EXECUTABLE_ENV, from_env))
  on_path = shutil.which(_NAME)
  if on_path:
    return on_path
  tried.append("PATH")
  for configuration in ("release", "debug"):
    candidate = os.path.join(repository_root(), ".build", configuration, _NAME)
    if _is_executable(candidate):
      return candidate
    tried.append(candidate)
  raise FileNotFoundError(
    "clip-worker executable not found (tried %s, %s); build it with `swift build --product clip-worker` "
    "or pass executable=/set %s" % (EXECUTABLE_ENV, ", ".join(tried), EXECUTABLE_ENV))


def _is_executable(path):
  return os.path.isfile(path) and os.access(path, os.X_OK)
