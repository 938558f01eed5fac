"""Surfacing the worker's `$/progress` notifications (model download progress): a callback, or tqdm bars.

A client asks for them with `initialize {"capabilities": {"progress": true}}` (protocol/README.md, "Download
progress"); each notification's params are `{token, file, bytesDone, bytesTotal}`.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Dict, Optional, Union

ProgressParams = Dict[str, Any]
ProgressCallback = Callable[[ProgressParams], None]
#: What a client's `progress` argument may be: None (a tqdm bar when tqdm is installed, else nothing), True (a
#: tqdm bar; tqdm must be installed), False (do not ask), or a callback given each notification's params.
ProgressOption = Union[None, bool, ProgressCallback]


def progress_handler(option: ProgressOption) -> Optional[ProgressCallback]:
  """The callback for a client's `progress` argument, or None when the client should not ask for progress."""
  if option is False:
    return None
  if callable(option):
    return option
  try:
    import tqdm.auto  # noqa: F401  (optional: only its presence is tested here)
  except ImportError:
    if option is True:
      raise RuntimeError("progress=True needs tqdm, which is not installed; pass a callback instead") from None
    return None
  return TqdmProgress()


class TqdmProgress:
  """One tqdm bar per downloading file (tqdm.auto: a widget in notebooks, text at a terminal), closed when the
  file's last report arrives. Called from the client's reader thread."""

  def __init__(self) -> None:
    self._bars: Dict[str, Any] = {}
    self._finished: set = set()
    self._lock = threading.Lock()

  def __call__(self, params: ProgressParams) -> None:
    from tqdm.auto import tqdm
    name = str(params.get("file", "?"))
    done = int(params.get("bytesDone") or 0)
    total = params.get("bytesTotal")
    with self._lock:
      if name in self._finished:
        return
      bar = self._bars.get(name)
      if bar is None:
        bar = tqdm(total=total, desc=name, unit="B", unit_scale=True, unit_divisor=1024, leave=True)
        self._bars[name] = bar
      if total is not None and bar.total != total:
        bar.total = total
      bar.update(done - bar.n)
      if total is not None and done >= total:
        bar.close()
        self._finished.add(name)
