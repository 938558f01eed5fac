"""Client for clip-worker, a resident CLIP embedding worker speaking JSON-RPC 2.0 on stdio. No dependencies;
NumPy, Pillow and tqdm are used when installed.

    from clip_worker import ClipWorker, pipeline
    with ClipWorker(model="path/to/clip") as worker:
      worker.encode_text(["a photo of a cat"])
    classifier = pipeline("zero-shot-image-classification", model="path/to/clip")
    classifier("cat.jpg", candidate_labels=["cat", "dog"])

`AsyncClipWorker` (clip_worker.aio) is the asyncio client; `clip_worker.ray` holds the Ray Data actors (and is
the only module that imports Ray).
"""

from ._version import __version__
from ._wire import CacheSource, EmbeddingResult, cache_source
from .aio import AsyncClipWorker
from .client import ClipWorker
from .errors import (ClipWorkerError, InputFailedError, InternalError, InvalidParamsError, InvalidRequestError,
                     MessageTooLargeError, MethodNotFoundError, ModelUnavailableError, ParseError,
                     RequestCancelledError, ShuttingDownError, WorkerExitedError)
from .images import image_input
from .locate import find_executable
from .pipeline import ZeroShotImageClassificationPipeline, pipeline

__all__ = [
  "AsyncClipWorker", "CacheSource", "ClipWorker", "ClipWorkerError", "EmbeddingResult", "InputFailedError",
  "InternalError", "InvalidParamsError", "InvalidRequestError", "MessageTooLargeError", "MethodNotFoundError",
  "ModelUnavailableError", "ParseError", "RequestCancelledError", "ShuttingDownError", "WorkerExitedError",
  "ZeroShotImageClassificationPipeline", "__version__", "cache_source", "find_executable", "image_input",
  "pipeline",
]
