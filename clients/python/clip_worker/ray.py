"""Ray Data actors that own one clip-worker process each: embed or classify batches on every node of a cluster.

    import ray, ray.data
    from clip_worker.ray import ClipWorkerEmbedder
    ray.init()                                   # or ray.init(address="ray://head:10001") for a cluster
    ds = ray.data.from_items([{"path": p} for p in paths])
    ds = ds.map_batches(ClipWorkerEmbedder, fn_constructor_kwargs={"model": "openai/clip-vit-base-patch32",
                        "column": "path"}, concurrency=4, num_cpus=2, batch_size=64)
    ds.write_parquet("embeddings/")              # each row gains an "embedding" (float32, dim)

Each actor starts its worker once (loading the model once) with `--threads` set from the CPUs Ray assigned it
(`num_cpus`), and passes `store` through as `--store` so that nodes sharing a filesystem share the embedding
store. The worker must be installed on every node (CLIP_WORKER_EXE, or on PATH). Ray Data restarts a failed
actor and retries its batch (`max_restarts` / `max_task_retries` default to -1 for actor pools), so a lost node
costs time, not rows. This is the only module of the package that imports Ray.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Sequence

import numpy
import ray

from .client import ClipWorker


def assigned_cpus() -> int:
  """The CPUs Ray reserved for the calling actor or task (at least 1; 1 outside Ray or without a reservation)."""
  try:
    cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 0)
  except Exception:  # Not inside a Ray worker (e.g. a local test of the class).
    cpus = 0
  return max(1, int(round(cpus)))


class _WorkerActor:
  """The worker process an actor owns, started with the actor's threads and the shared store."""

  def __init__(self, model: str, *, column: str, executable: Optional[str], threads: Optional[int],
               store: Optional[str], worker_options: Dict[str, Any]) -> None:
    self.column = column
    args = list(worker_options.pop("args", ()))
    if store is not None:
      args += ["--store", os.fspath(store)]
    worker_options.setdefault("progress", False)
    worker_options.setdefault("stderr", "forward")  # Ray collects an actor's stderr into its logs.
    self.threads = threads if threads is not None else assigned_cpus()
    self.worker = ClipWorker(model, executable, threads=self.threads, args=args, **worker_options)

  def _column(self, batch: Any) -> List[Any]:
    if self.column not in batch:
      raise KeyError("the batch has no column %r (columns: %s)" % (self.column, ", ".join(map(str, batch.keys()))))
    return [_plain(value) for value in batch[self.column]]

  def __del__(self) -> None:
    worker = getattr(self, "worker", None)
    if worker is not None:
      worker.close()


class ClipWorkerEmbedder(_WorkerActor):
  """A callable class for `Dataset.map_batches`: adds `output_column` with one float32 embedding per row.

  Arguments (pass them as `fn_constructor_kwargs`):
    model: a checkpoint directory or Hub id, visible from every node.
    column: the input column; images may be paths, URLs, data URIs, bytes or uint8 HxWx3 arrays
      (what `ray.data.read_images` gives), or texts with kind="text".
    kind: "image" (default) or "text".
    output_column: default "embedding"; normalize: unit-length vectors (default True).
    threads: the worker's --threads; default: the actor's num_cpus.
    store: the embedding store directory (--store), e.g. on a filesystem the nodes share.
    executable, and any other ClipWorker argument (cache_mb, env, args, timeout, ...).
  """

  def __init__(self, model: str, *, column: str = "image", kind: str = "image", output_column: str = "embedding",
               normalize: bool = True, threads: Optional[int] = None, store: Optional[str] = None,
               executable: Optional[str] = None, **worker_options: Any) -> None:
    if kind not in ("image", "text"):
      raise ValueError("kind must be 'image' or 'text', not %r" % (kind,))
    super().__init__(model, column=column, executable=executable, threads=threads, store=store,
                     worker_options=worker_options)
    self.kind = kind
    self.output_column = output_column
    self.normalize = normalize

  def __call__(self, batch: Dict[str, Any]) -> Dict[str, Any]:
    values = self._column(batch)
    if self.kind == "text":
      matrix = self.worker.encode_text(values, normalize=self.normalize, as_numpy=True)
    else:
      matrix = self.worker.encode_image(values, normalize=self.normalize, as_numpy=True)
    batch[self.output_column] = matrix
    return batch


class ClipWorkerClassifier(_WorkerActor):
  """A callable class for `Dataset.map_batches`: zero-shot classification of each row's image.

  Adds `label_column` (the best label), `score_column` (its score) and `scores_column` (float32, one score per
  label in the order of `labels`: the softmax of transformers' zero-shot pipeline). Arguments as
  ClipWorkerEmbedder, plus `labels` and `template` (default "This is a photo of {}.").
  """

  def __init__(self, model: str, *, labels: Sequence[str], template: Optional[str] = None, column: str = "image",
               label_column: str = "label", score_column: str = "score", scores_column: str = "scores",
               threads: Optional[int] = None, store: Optional[str] = None, executable: Optional[str] = None,
               **worker_options: Any) -> None:
    if isinstance(labels, str) or not labels:
      raise ValueError("labels must be a non-empty list of strings")
    super().__init__(model, column=column, executable=executable, threads=threads, store=store,
                     worker_options=worker_options)
    self.labels = list(labels)
    self.template = template
    self.label_column, self.score_column, self.scores_column = label_column, score_column, scores_column

  def __call__(self, batch: Dict[str, Any]) -> Dict[str, Any]:
    rankings = self.worker.classify(list(self._column(batch)), self.labels, template=self.template)
    position = {label: index for index, label in enumerate(self.labels)}
    scores = numpy.zeros((len(rankings), len(self.labels)), dtype=numpy.float32)
    for row, ranking in enumerate(rankings):
      for entry in ranking:
        scores[row, position[entry["label"]]] = entry["score"]
    batch[self.label_column] = numpy.array([ranking[0]["label"] for ranking in rankings], dtype=object)
    batch[self.score_column] = numpy.array([ranking[0]["score"] for ranking in rankings], dtype=numpy.float32)
    batch[self.scores_column] = scores
    return batch


def _plain(value: Any) -> Any:
  """A batch cell as the client takes it: NumPy strings and bytes as str and bytes, arrays as they are."""
  if isinstance(value, numpy.str_):
    return str(value)
  if isinstance(value, numpy.bytes_):
    return bytes(value)
  return value
