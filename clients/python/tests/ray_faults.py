"""An embedder that dies once, for test_ray.py: Ray must restart it and retry its batch.

Imported by Ray's worker processes by name, so test_ray.py puts this folder on their PYTHONPATH.
"""

import os
import signal

from clip_worker.ray import ClipWorkerEmbedder


class CrashOnceEmbedder(ClipWorkerEmbedder):
  """Records each start in `record_dir` (one file per actor process), and the first instance to reach its second
  batch kills its own process (SIGKILL: no cleanup, as a lost node), once across all actors."""

  def __init__(self, *, record_dir: str, **options):
    super().__init__(**options)
    self.record_dir = record_dir
    self.calls = 0
    with open(os.path.join(record_dir, "started-%d" % os.getpid()), "w") as handle:
      handle.write(str(self.worker.process.pid))

  def __call__(self, batch):
    self.calls += 1
    if self.calls == 2:
      try:
        marker = os.open(os.path.join(self.record_dir, "crashed"), os.O_CREAT | os.O_EXCL | os.O_WRONLY)
      except FileExistsError:
        pass
      else:
        os.close(marker)
        os.kill(os.getpid(), signal.SIGKILL)
    return super().__call__(batch)
