"""Finding the clip-worker executable."""

from __future__ import annotations

import os
import shutil
from typing import Iterator, List, Optional, Union

#: The variable naming the executable.
EXECUTABLE_ENV = "CLIP_WORKER_EXE"
#: The older name of EXECUTABLE_ENV, still read when EXECUTABLE_ENV is unset.
LEGACY_EXECUTABLE_ENV = "CLIP_WORKER_BIN"
_NAME = "clip-worker"
_BUILD_HINT = ("build it in a clip-worker checkout with `swift build -c release --product clip-worker` and put "
               ".build/release on PATH, or set %s to the executable" % EXECUTABLE_ENV)


def find_executable(explicit: Union[str, "os.PathLike[str]", None] = None) -> str:
  """Returns the path of the worker executable, looked up in this order:

  1. `explicit` (an argument); 2. `$CLIP_WORKER_EXE` (else the older `$CLIP_WORKER_BIN`);
  3. `clip-worker` on PATH; 4. a build in a clip-worker checkout: `.build/release/clip-worker`, then
  `.build/debug/clip-worker`, in the first folder holding a `Package.swift` above this package's files (a source
  or editable install) or above the current directory.
  Raises FileNotFoundError naming every place tried and how to build the executable.
  """
  if explicit:
    path = os.fspath(explicit)
    if _is_executable(path):
      return os.path.abspath(path)
    raise FileNotFoundError("clip-worker executable not found at %s" % path)
  for variable in (EXECUTABLE_ENV, LEGACY_EXECUTABLE_ENV):
    value = os.environ.get(variable)
    if value:
      if _is_executable(value):
        return os.path.abspath(value)
      raise FileNotFoundError("%s=%s is not an executable file" % (variable, value))
  on_path = shutil.which(_NAME)
  if on_path:
    return os.path.abspath(on_path)
  tried = [EXECUTABLE_ENV, "PATH"]
  for root in checkout_roots():
    for configuration in ("release", "debug"):
      candidate = os.path.join(root, ".build", configuration, _NAME)
      if _is_executable(candidate):
        return candidate
      tried.append(candidate)
  raise FileNotFoundError("clip-worker executable not found (tried %s); %s" % (", ".join(tried), _BUILD_HINT))


def checkout_roots() -> List[str]:
  """The clip-worker checkouts this process can see: the nearest folder with a Package.swift above this
  package's files, then above the current directory (each once)."""
  roots: List[str] = []
  for start in (os.path.dirname(os.path.abspath(__file__)), os.getcwd()):
    for folder in _ancestors(start):
      if os.path.isfile(os.path.join(folder, "Package.swift")):
        if folder not in roots:
          roots.append(folder)
        break
  return roots


def repository_root() -> Optional[str]:
  """The checkout this package's files sit in (a source or editable install), or None once installed."""
  here = os.path.dirname(os.path.abspath(__file__))
  for folder in _ancestors(here):
    if os.path.isfile(os.path.join(folder, "Package.swift")):
      return folder
  return None


def _ancestors(start: str) -> Iterator[str]:
  folder = start
  while True:
    yield folder
    parent = os.path.dirname(folder)
    if parent == folder:
      return
    folder = parent


def _is_executable(path: str) -> bool:
  return os.path.isfile(path) and os.access(path, os.X_OK)
