"""A drop-in for `transformers.pipeline("zero-shot-image-classification", ...)` served by clip-worker.

    from clip_worker import pipeline
    classifier = pipeline("zero-shot-image-classification", model="openai/clip-vit-base-patch32")
    classifier("cat.jpg", candidate_labels=["cat", "dog"])          # [{"score": 0.99, "label": "cat"}, ...]
    classifier(["cat.jpg", pil_image], candidate_labels=["cat", "dog"], top_k=1)   # one list per image

The same call shape and output as transformers' pipeline, and the same numbers (the worker's parity with
transformers); the model stays loaded in one worker process for the pipeline's lifetime.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Sequence, Union, cast

from .client import ClipWorker
from .images import ImageLike, image_input, is_single_image

Ranking = List[Dict[str, Any]]
TASK = "zero-shot-image-classification"
DEFAULT_HYPOTHESIS_TEMPLATE = "This is a photo of {}."


def pipeline(task: str = TASK, model: Union[str, "os.PathLike[str]", None] = None, **worker_options: Any,
             ) -> "ZeroShotImageClassificationPipeline":
  """Returns a ZeroShotImageClassificationPipeline on `model` (a checkpoint directory or a Hub id).

  `worker_options` go to ClipWorker (executable, threads, cache_mb, stderr, progress, ...). Only the task
  "zero-shot-image-classification" is served; transformers-only arguments (device, torch_dtype, ...) are
  refused by name rather than ignored.
  """
  if task != TASK:
    raise ValueError("clip_worker.pipeline serves %r only, not %r" % (TASK, task))
  if model is None:
    raise TypeError("pipeline() needs model= (a checkpoint directory or a Hub id)")
  return ZeroShotImageClassificationPipeline(ClipWorker(model, **worker_options), owns_worker=True)


class ZeroShotImageClassificationPipeline:
  """Called like transformers' ZeroShotImageClassificationPipeline; close() (or `with`) ends its worker."""

  task = TASK

  def __init__(self, worker: ClipWorker, *, owns_worker: bool = False) -> None:
    self.worker = worker
    self._owns_worker = owns_worker

  def __call__(self, image: Union[ImageLike, Sequence[ImageLike], None] = None,
               candidate_labels: Optional[Sequence[str]] = None, *,
               hypothesis_template: str = DEFAULT_HYPOTHESIS_TEMPLATE, top_k: Optional[int] = None,
               timeout: Optional[float] = None, **kwargs: Any) -> Union[Ranking, List[Ranking]]:
    """Scores `candidate_labels` for one image (a list of {"score", "label"}, highest first) or for a list of
    images (one such list each). `images=` is accepted for `image`, as transformers does. `timeout` bounds the
    fetch of http(s) images. `top_k` keeps the best `top_k` labels."""
    if "images" in kwargs:
      image = kwargs.pop("images")
    if kwargs:
      raise TypeError("unsupported argument(s) for the clip-worker pipeline: %s" % ", ".join(sorted(kwargs)))
    if image is None:
      raise ValueError("Cannot call the zero-shot-image-classification pipeline without an images argument!")
    if candidate_labels is None:
      raise TypeError("the pipeline needs candidate_labels")
    fetch = self.worker.url_timeout if timeout is None else timeout
    inputs: Any = image_input(image, url_timeout=fetch) if is_single_image(image) else \
      [image_input(one, url_timeout=fetch) for one in cast(Sequence[ImageLike], image)]
    rankings = self.worker.classify(inputs, candidate_labels=list(candidate_labels),
                                    hypothesis_template=hypothesis_template, top_k=top_k)
    if is_single_image(image):
      return _pipeline_order(rankings)
    return [_pipeline_order(ranking) for ranking in rankings]

  def close(self) -> None:
    """Ends the worker this pipeline started (not one passed in)."""
    if self._owns_worker:
      self.worker.close()

  def __enter__(self) -> "ZeroShotImageClassificationPipeline":
    return self

  def __exit__(self, *exc_info: Any) -> None:
    self.close()


def _pipeline_order(ranking: Ranking) -> Ranking:
  """transformers' entries list `score` before `label`."""
  return [{"score": entry["score"], "label": entry["label"]} for entry in ranking]
