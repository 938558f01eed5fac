"""ClipWorker: spawns `clip-worker` and talks newline-delimited JSON-RPC 2.0 to it over its stdin/stdout, from
threads."""

from __future__ import annotations

import collections
import concurrent.futures
import itertools
import json
import logging
import os
import subprocess
import sys
import threading
import weakref
from typing import IO, Any, Deque, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from . import _wire
from .errors import ClipWorkerError, WorkerExitedError
from .images import DEFAULT_URL_TIMEOUT, ImageLike
from .locate import find_executable
from .progress import ProgressCallback, ProgressOption, progress_handler

_STDERR_TAIL_LINES = 50
_log = logging.getLogger("clip_worker")

#: What the `stderr` argument may be: "forward" (the default: each line is written to this process's
#: sys.stderr, which a notebook shows, and the last lines are kept), "capture" (only the last lines are kept),
#: "inherit" (the worker writes to our file descriptor 2), or anything subprocess.Popen takes (DEVNULL, a file).
StderrOption = Union[str, int, IO[Any], None]


def worker_command(model: Union[str, "os.PathLike[str]"], executable: Union[str, "os.PathLike[str]", None],
                   options: Mapping[str, Any], args: Sequence[Any]) -> List[str]:
  """The worker's command line: the executable, --model, each option that is not None, then `args`."""
  command = [find_executable(executable), "--model", os.fspath(model)]
  for flag, value in options.items():
    if value is not None:
      command += [flag, str(value)]
  return command + [str(argument) for argument in args]


class ClipWorker:
  """A running clip-worker process with a loaded model.

  Thread-safe: any number of threads may call it at once; requests are written whole under a lock and a
  reader thread hands each response to the future of the request with the same id, so many requests can be
  in flight and answers may come back in any order. Use it as a context manager, or call close(); a worker
  that is dropped without close() is ended when it is garbage-collected, and at interpreter exit.

      with ClipWorker(model="path/to/clip") as worker:
        vectors = worker.encode_text(["a cat", "a dog"])
        labels = worker.classify("cat.jpg", candidate_labels=["cat", "dog"], top_k=1)

  Arguments:
    model: a checkpoint directory or a Hub id, passed as --model.
    executable: the clip-worker binary; default: see `find_executable` (CLIP_WORKER_EXE, PATH, a checkout).
    args: extra command-line arguments appended as given.
    env: variables added to (overriding) the inherited environment.
    cache_mb, threads, max_image_pixels, log_level: passed as --cache-mb, --threads, ... when not None.
    store, store_mb: the persistent embedding store's directory (or "none" to turn it off) and bound in MiB,
      passed as --store and --store-mb when not None (default: the worker's, $XDG_CACHE_HOME/clip-worker).
    stderr: see StderrOption; "forward" by default.
    progress: model download progress (see ProgressOption): None shows tqdm bars when tqdm is installed.
    initialize: send `initialize` at start and keep its result in `info` (waits for the model to load).
    timeout: default seconds to wait for each synchronous call (None: no limit).
    url_timeout: seconds to wait for an http(s) image the client fetches.
  """

  def __init__(self, model: Union[str, "os.PathLike[str]"], executable: Union[str, "os.PathLike[str]", None] = None,
               *, args: Sequence[Any] = (), env: Optional[Mapping[str, str]] = None, cache_mb: Optional[int] = None,
               threads: Optional[int] = None, max_image_pixels: Optional[int] = None,
               log_level: Optional[str] = None, store: Union[str, "os.PathLike[str]", None] = None,
               store_mb: Optional[int] = None, stderr: StderrOption = "forward", progress: ProgressOption = None,
               initialize: bool = True, timeout: Optional[float] = None,
               url_timeout: Optional[float] = DEFAULT_URL_TIMEOUT) -> None:
    self.command = worker_command(model, executable, {
      "--cache-mb": cache_mb, "--threads": threads, "--max-image-pixels": max_image_pixels,
      "--log-level": log_level, "--store": None if store is None else os.fspath(store), "--store-mb": store_mb}, args)
    self.timeout = timeout
    self.url_timeout = url_timeout
    self.info: Optional[Dict[str, Any]] = None
    self._progress = progress_handler(progress)
    self._connection = _Connection(self.command, env, stderr, self._progress)
    # The finalizer holds the connection, never self, so that dropping the last reference collects the worker.
    self._finalizer = weakref.finalize(self, self._connection.terminate, 5)
    if initialize:
      try:
        self.info = self.initialize()
      except BaseException:
        self._finalizer()
        raise

  # MARK: - Methods

  def initialize(self, timeout: Optional[float] = None) -> Dict[str, Any]:
    """Calls `initialize`: {serverInfo, model {embeddingDim, imageSize, contextLength, dtype, ...}, methods,
    limits}. Done by the constructor unless initialize=False; asks for `$/progress` when a progress handler is
    set."""
    params: Dict[str, Any] = {"capabilities": {"progress": True}} if self._progress is not None else {}
    return self.request("initialize", params, timeout=timeout)

  def encode_text(self, texts: Union[str, Sequence[str]], *, normalize: bool = True, as_numpy: bool = False,
                  details: bool = False, timeout: Optional[float] = None) -> Any:
    """Embeds texts. A list gives a list of vectors (or an (n, dim) float32 array with as_numpy=True);
    a single str gives one vector. details=True gives an EmbeddingResult (embeddings, dim, model, cached)."""
    return self._result(self.encode_text_async(texts, normalize=normalize, as_numpy=as_numpy, details=details),
                        timeout)

  def encode_text_async(self, texts: Union[str, Sequence[str]], *, normalize: bool = True, as_numpy: bool = False,
                        details: bool = False) -> "concurrent.futures.Future[Any]":
    """encode_text without waiting: returns a Future (with `request_id`, usable with cancel())."""
    return self._send(_wire.encode_text(texts, normalize=normalize, as_numpy=as_numpy, details=details))

  def encode_image(self, images: Union[ImageLike, Sequence[ImageLike]], *, normalize: bool = True,
                   as_numpy: bool = False, details: bool = False, timeout: Optional[float] = None) -> Any:
    """Embeds images (see `clip_worker.images` for what an image may be). A list or tuple gives a list of
    vectors (an (n, dim) float32 array with as_numpy=True); a single image gives one vector."""
    return self._result(self.encode_image_async(images, normalize=normalize, as_numpy=as_numpy, details=details),
                        timeout)

  def encode_image_async(self, images: Union[ImageLike, Sequence[ImageLike]], *, normalize: bool = True,
                         as_numpy: bool = False, details: bool = False) -> "concurrent.futures.Future[Any]":
    """encode_image without waiting: returns a Future (with `request_id`, usable with cancel())."""
    return self._send(_wire.encode_image(images, normalize=normalize, as_numpy=as_numpy, details=details,
                                         url_timeout=self.url_timeout))

  def classify(self, image: Union[ImageLike, Sequence[ImageLike]], labels: Optional[Sequence[str]] = None, *,
               template: Optional[str] = None, top_k: Optional[int] = None,
               candidate_labels: Optional[Sequence[str]] = None, hypothesis_template: Optional[str] = None,
               timeout: Optional[float] = None) -> Any:
    """Zero-shot classification: a list of {"label", "score"} dicts, highest score first (scores are the
    softmax over all labels, as in transformers' zero-shot pipeline). With a list or tuple of images, one such
    list per image. `candidate_labels` and `hypothesis_template` are the pipeline's names of `labels` and
    `template`; `template` defaults to the worker's "This is a photo of {}."."""
    return self._result(self.classify_async(image, labels, template=template, top_k=top_k,
                                            candidate_labels=candidate_labels,
                                            hypothesis_template=hypothesis_template), timeout)

  def classify_async(self, image: Union[ImageLike, Sequence[ImageLike]], labels: Optional[Sequence[str]] = None,
                     *, template: Optional[str] = None, top_k: Optional[int] = None,
                     candidate_labels: Optional[Sequence[str]] = None,
                     hypothesis_template: Optional[str] = None) -> "concurrent.futures.Future[Any]":
    """classify without waiting: returns a Future (with `request_id`, usable with cancel())."""
    return self._send(_wire.classify(image, labels, template=template, top_k=top_k,
                                     candidate_labels=candidate_labels, hypothesis_template=hypothesis_template,
                                     url_timeout=self.url_timeout))

  def cache_stats(self, timeout: Optional[float] = None) -> Dict[str, Any]:
    """The embedding cache's counters: {entries, bytes, capacityBytes, hits, misses, evictions, hitRate,
    image {...}, text {...}, store {...} or None} (store: the persistent store's counters, None when it is off)."""
    return self.request("cacheStats", {}, timeout=timeout)

  def cache_clear(self, store: bool = False, timeout: Optional[float] = None) -> Any:
    """Empties the in-memory embedding cache, and the persistent store too with store=True; returns the
    worker's answer (None)."""
    return self.request("cacheClear", {"store": True} if store else {}, timeout=timeout)

  # MARK: - Generic JSON-RPC

  def request(self, method: str, params: Optional[Dict[str, Any]] = None, *, timeout: Optional[float] = None) -> Any:
    """Sends a request and waits for its result. Raises ClipWorkerError (the subclass for its code) for an error
    response, WorkerExitedError if the worker dies first, TimeoutError (after cancelling the request) on
    timeout."""
    return self._result(self.request_async(method, params), timeout)

  def request_async(self, method: str, params: Optional[Dict[str, Any]] = None, *,
                    transform: Optional[_wire.Transform] = None) -> "concurrent.futures.Future[Any]":
    """Sends a request and returns a concurrent.futures.Future for its result; the future carries the
    request's id as `request_id`. `transform`, if given, is applied to the result before it is set."""
    return self._send(_wire.Call(method, params, transform))

  def notify(self, method: str, params: Optional[Dict[str, Any]] = None) -> None:
    """Sends a notification (no id, no response). Raises WorkerExitedError if the worker cannot be written to."""
    message: Dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not None:
      message["params"] = params
    self._connection.write(message)

  def cancel(self, future_or_id: Any) -> None:
    """Asks the worker to cancel a request ($/cancelRequest). Its future then fails with RequestCancelledError
    (code -32800), unless the worker had already answered."""
    request_id = getattr(future_or_id, "request_id", future_or_id)
    try:
      self.notify("$/cancelRequest", {"id": request_id})
    except WorkerExitedError:
      pass  # Nothing left to cancel: pending futures fail with WorkerExitedError anyway.

  # MARK: - Lifecycle

  @property
  def process(self) -> "subprocess.Popen[bytes]":
    """The subprocess.Popen of the worker."""
    return self._connection.process

  @property
  def stderr_tail(self) -> str:
    """The last lines the worker wrote to stderr (empty when stderr went elsewhere)."""
    return self._connection.stderr_tail

  def close(self, timeout: float = 10) -> Optional[int]:
    """Sends `shutdown` then `exit`, waits for the process to end (killing it after `timeout` seconds) and
    returns its exit status. Requests still in flight are answered first. Safe to call more than once."""
    self._connection.shutdown(timeout)
    self._finalizer.detach()
    return self._connection.terminate(timeout)

  def __enter__(self) -> "ClipWorker":
    return self

  def __exit__(self, *exc_info: Any) -> None:
    self.close()

  # MARK: - Internals

  def _send(self, call: _wire.Call) -> "concurrent.futures.Future[Any]":
    if self._connection.closing:
      raise RuntimeError("ClipWorker is closed")
    return self._connection.send(call)

  def _result(self, future: "concurrent.futures.Future[Any]", timeout: Optional[float]) -> Any:
    """Waits for a request's future; on timeout, cancels the request and raises TimeoutError."""
    try:
      return future.result(self.timeout if timeout is None else timeout)
    except concurrent.futures.TimeoutError:
      self.cancel(future)
      raise


class _Connection:
  """The process, its pipes and the threads reading them; knows nothing of the ClipWorker that owns it, so
  that its threads keep no reference to that object."""

  def __init__(self, command: List[str], env: Optional[Mapping[str, str]], stderr: StderrOption,
               progress: Optional[ProgressCallback]) -> None:
    environment = dict(os.environ)
    environment.update(env or {})
    self._ids = itertools.count(1)
    self._pending: Dict[int, Tuple["concurrent.futures.Future[Any]", Optional[_wire.Transform]]] = {}
    self._pending_lock = threading.Lock()
    self._write_lock = threading.Lock()
    self._exit_error: Optional[WorkerExitedError] = None
    self._progress = progress
    self.closing = False
    self._stderr_tail: Deque[str] = collections.deque(maxlen=_STDERR_TAIL_LINES)
    self._forward_stderr = stderr == "forward"
    piped = stderr in ("forward", "capture")
    popen_stderr: Any = subprocess.PIPE if piped else (None if stderr == "inherit" else stderr)
    self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=popen_stderr,
                                    env=environment)
    self._stderr_thread: Optional[threading.Thread] = None
    if piped:
      self._stderr_thread = threading.Thread(target=self._drain_stderr, name="clip-worker-stderr", daemon=True)
      self._stderr_thread.start()
    self._reader = threading.Thread(target=self._read_responses, name="clip-worker-reader", daemon=True)
    self._reader.start()

  @property
  def stderr_tail(self) -> str:
    return "".join(self._stderr_tail)

  def send(self, call: _wire.Call) -> "concurrent.futures.Future[Any]":
    future: "concurrent.futures.Future[Any]" = concurrent.futures.Future()
    with self._pending_lock:
      request_id = next(self._ids)
      future.request_id = request_id  # type: ignore[attr-defined]
      if self._exit_error is not None:
        future.set_exception(self._exit_error)
        return future
      self._pending[request_id] = (future, call.transform)
    message: Dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": call.method}
    if call.params is not None:
      message["params"] = call.params
    try:
      self.write(message)
    except WorkerExitedError:
      pass  # The reader thread sees the end of output and fails every pending future, this one included.
    return future

  def write(self, message: Dict[str, Any]) -> None:
    line = json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"
    data = line.encode("utf-8")
    with self._write_lock:
      stdin = self.process.stdin
      assert stdin is not None
      try:
        stdin.write(data)
        stdin.flush()
      except (OSError, ValueError) as error:  # A broken pipe, or stdin already closed.
        raise WorkerExitedError(self.process.poll(), self.stderr_tail,
                                "cannot write to the worker: %s" % error) from None

  def shutdown(self, timeout: float) -> None:
    """`shutdown` then `exit`, unless the connection is already closing or the worker is gone."""
    with self._pending_lock:
      already_closing, self.closing = self.closing, True
    if already_closing or self._exit_error is not None:
      return
    try:
      self.send(_wire.Call("shutdown", None)).result(timeout)
      self.write({"jsonrpc": "2.0", "method": "exit"})
    except (ClipWorkerError, WorkerExitedError, concurrent.futures.TimeoutError):
      pass  # terminate() ends the process either way.

  def terminate(self, timeout: float = 10) -> Optional[int]:
    """Closes the worker's stdin (end of input: it answers what is in flight and exits 0), waits up to
    `timeout` seconds, then kills it; returns the exit status. Also the garbage-collection finalizer."""
    with self._pending_lock:
      self.closing = True
    try:
      with self._write_lock:
        if self.process.stdin is not None:
          self.process.stdin.close()
    except OSError:
      pass
    try:
      self.process.wait(timeout)
    except subprocess.TimeoutExpired:
      self.process.kill()
      self.process.wait()
    if threading.current_thread() is not self._reader:
      self._reader.join(timeout)
    if self._stderr_thread is not None and threading.current_thread() is not self._stderr_thread:
      self._stderr_thread.join(timeout)
    if not self._reader.is_alive():
      for stream in (self.process.stdout, self.process.stderr):
        if stream is not None:
          stream.close()
    return self.process.returncode

  def _read_responses(self) -> None:
    stdout = self.process.stdout
    assert stdout is not None
    for line in iter(stdout.readline, b""):
      try:
        message = json.loads(line)
      except ValueError:
        continue  # The worker writes only JSON lines; anything else answers nothing of ours.
      for response in (message if isinstance(message, list) else [message]):
        if isinstance(response, dict):
          self._dispatch(response)
    try:
      returncode: Optional[int] = self.process.wait(timeout=5)
    except subprocess.TimeoutExpired:
      returncode = None
    if self._stderr_thread is not None:
      self._stderr_thread.join(timeout=5)
    self._fail_pending(WorkerExitedError(returncode, self.stderr_tail))

  def _dispatch(self, response: Dict[str, Any]) -> None:
    if "id" not in response:
      self._notification(response)
      return
    request_id = response.get("id")
    with self._pending_lock:
      entry = self._pending.pop(request_id, None) if isinstance(request_id, int) else None
    if entry is None:
      return  # Not one of our ids (e.g. a parse error's null id): nobody is waiting for it.
    future, transform = entry
    if "error" in response:
      future.set_exception(ClipWorkerError.from_wire(response["error"]))
      return
    try:
      result = response.get("result")
      future.set_result(transform(result) if transform else result)
    except Exception as error:  # A malformed result must fail this request, not kill the reader thread.
      future.set_exception(error)

  def _notification(self, message: Dict[str, Any]) -> None:
    if message.get("method") == "$/progress" and self._progress is not None:
      try:
        self._progress(message.get("params") or {})
      except Exception:  # The caller's callback must not end the reader thread.
        _log.exception("the progress callback failed")

  def _fail_pending(self, error: WorkerExitedError) -> None:
    with self._pending_lock:
      self._exit_error = error
      pending, self._pending = self._pending, {}
    for future, _ in pending.values():
      future.set_exception(error)

  def _drain_stderr(self) -> None:
    stream = self.process.stderr
    assert stream is not None
    for raw in iter(stream.readline, b""):
      line = raw.decode("utf-8", "replace")
      self._stderr_tail.append(line)
      if self._forward_stderr:
        try:
          sys.stderr.write(line)
          sys.stderr.flush()
        except (OSError, ValueError, AttributeError):
          self._forward_stderr = False  # sys.stderr is gone (interpreter exit) or unusable: keep the tail only.
