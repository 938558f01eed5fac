"""Standard-library client for clip-worker, a resident CLIP embedding worker speaking JSON-RPC 2.0 on stdio.

    from clip_worker import ClipWorker
    with ClipWorker(model="path/to/clip") as worker:
      worker.encode_text(["a photo of a cat"])
"""

from .client import ClipWorker
from .errors import ClipWorkerError, WorkerExitedError
from .images import image_input
from .locate import find_executable

__all__ = ["ClipWorker", "ClipWorkerError", "WorkerExitedError", "find_executable", "image_input"]
__version__ = "0.1.0"
