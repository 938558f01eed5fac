"""AsyncClipWorker: the asyncio client. One event loop may have any number of calls in flight:

    async with await AsyncClipWorker.start(model="path/to/clip") as worker:
      vectors, ranking = await asyncio.gather(worker.encode_text(["a cat"]),
                                              worker.classify("cat.jpg", candidate_labels=["cat", "dog"]))

Cancelling the task awaiting a call (or `asyncio.wait_for` timing it out) sends `$/cancelRequest`.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import json
import logging
import os
import signal
import sys
import weakref
from typing import Any, Deque, Dict, Optional, Sequence, Union

from . import _wire
from .client import StderrOption, worker_command
from .errors import ClipWorkerError, WorkerExitedError
from .images import DEFAULT_URL_TIMEOUT, ImageLike
from .progress import ProgressCallback, ProgressOption, progress_handler

_STDERR_TAIL_LINES = 50
# asyncio's StreamReader refuses longer lines than its limit (64 KiB by default); a batch of embeddings is one
# line, so the limit is the worker's own default message bound.
_LINE_LIMIT = 100 * 1024 * 1024
_log = logging.getLogger("clip_worker")


class AsyncClipWorker:
  """A running clip-worker driven from asyncio. Create it with `await AsyncClipWorker.start(...)` (the same
  arguments as ClipWorker, minus `timeout`: use asyncio.wait_for), end it with `await close()` or `async with`.
  A worker dropped without close() is sent SIGTERM when it is garbage-collected and at interpreter exit (the
  worker then answers what is in flight and exits 0)."""

  def __init__(self, connection: "_AsyncConnection", command: Sequence[str], url_timeout: Optional[float],
               progress: Optional[ProgressCallback] = None) -> None:
    """Use `start`."""
    self._connection = connection
    self._progress = progress
    self.command = list(command)
    self.url_timeout = url_timeout
    self.info: Optional[Dict[str, Any]] = None
    self._finalizer = weakref.finalize(self, _signal_if_running, connection.process, signal.SIGTERM)

  @classmethod
  async def start(cls, model: Union[str, "os.PathLike[str]"], executable: Union[str, "os.PathLike[str]", None] = None,
                  *, args: Sequence[Any] = (), env: Optional[Dict[str, str]] = None, cache_mb: Optional[int] = None,
                  threads: Optional[int] = None, max_image_pixels: Optional[int] = None,
                  log_level: Optional[str] = None, store: Union[str, "os.PathLike[str]", None] = None,
                  store_mb: Optional[int] = None, stderr: StderrOption = "forward", progress: ProgressOption = None,
                  initialize: bool = True,
                  url_timeout: Optional[float] = DEFAULT_URL_TIMEOUT) -> "AsyncClipWorker":
    """Spawns the worker and, unless initialize=False, waits for `initialize` (kept in `info`); the arguments are
    ClipWorker's."""
    command = worker_command(model, executable, {
      "--cache-mb": cache_mb, "--threads": threads, "--max-image-pixels": max_image_pixels,
      "--log-level": log_level, "--store": None if store is None else os.fspath(store), "--store-mb": store_mb}, args)
    handler = progress_handler(progress)
    connection = await _AsyncConnection.spawn(command, env, stderr, handler)
    worker = cls(connection, command, url_timeout, handler)
    if initialize:
      try:
        worker.info = await worker.initialize()
      except BaseException:
        await connection.terminate(5)
        worker._finalizer.detach()
        raise
    return worker

  # MARK: - Methods

  async def initialize(self) -> Dict[str, Any]:
    """As ClipWorker.initialize (done by `start` unless initialize=False)."""
    params: Dict[str, Any] = {"capabilities": {"progress": True}} if self._progress is not None else {}
    return await self.request("initialize", params)

  async def encode_text(self, texts: Union[str, Sequence[str]], *, normalize: bool = True, as_numpy: bool = False,
                        details: bool = False) -> Any:
    """As ClipWorker.encode_text."""
    return await self._call(_wire.encode_text(texts, normalize=normalize, as_numpy=as_numpy, details=details))

  async def encode_image(self, images: Union[ImageLike, Sequence[ImageLike]], *, normalize: bool = True,
                         as_numpy: bool = False, details: bool = False) -> Any:
    """As ClipWorker.encode_image; URLs are fetched in a thread, so the loop keeps running."""
    call = await asyncio.to_thread(_wire.encode_image, images, normalize=normalize, as_numpy=as_numpy,
                                   details=details, url_timeout=self.url_timeout)
    return await self._call(call)

  async def classify(self, image: Union[ImageLike, Sequence[ImageLike]], labels: Optional[Sequence[str]] = None,
                     *, template: Optional[str] = None, top_k: Optional[int] = None,
                     candidate_labels: Optional[Sequence[str]] = None,
                     hypothesis_template: Optional[str] = None) -> Any:
    """As ClipWorker.classify."""
    call = await asyncio.to_thread(_wire.classify, image, labels, template=template, top_k=top_k,
                                   candidate_labels=candidate_labels, hypothesis_template=hypothesis_template,
                                   url_timeout=self.url_timeout)
    return await self._call(call)

  async def cache_stats(self) -> Dict[str, Any]:
    """As ClipWorker.cache_stats."""
    return await self.request("cacheStats", {})

  async def cache_clear(self, store: bool = False) -> Any:
    """As ClipWorker.cache_clear."""
    return await self.request("cacheClear", {"store": True} if store else {})

  async def request(self, method: str, params: Optional[Dict[str, Any]] = None) -> Any:
    """Sends a request and waits for its result (errors as ClipWorker.request)."""
    return await self._call(_wire.Call(method, params))

  async def notify(self, method: str, params: Optional[Dict[str, Any]] = None) -> None:
    """Sends a notification (no id, no response)."""
    message: Dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not None:
      message["params"] = params
    await self._connection.write(message)

  # MARK: - Lifecycle

  @property
  def process(self) -> "asyncio.subprocess.Process":
    return self._connection.process

  @property
  def stderr_tail(self) -> str:
    return self._connection.stderr_tail

  async def close(self, timeout: float = 10) -> Optional[int]:
    """Sends `shutdown` then `exit`, waits for the process to end (killing it after `timeout` seconds) and
    returns its exit status. Safe to call more than once."""
    self._finalizer.detach()
    return await self._connection.close(timeout)

  async def __aenter__(self) -> "AsyncClipWorker":
    return self

  async def __aexit__(self, *exc_info: Any) -> None:
    await self.close()

  async def _call(self, call: _wire.Call) -> Any:
    if self._connection.closing:
      raise RuntimeError("AsyncClipWorker is closed")
    return await self._connection.call(call)


def _signal_if_running(process: "asyncio.subprocess.Process", number: int) -> None:
  if process.returncode is None:
    try:
      os.kill(process.pid, number)
    except ProcessLookupError:
      pass


class _AsyncConnection:
  """The process and the tasks reading its pipes; holds no reference to the AsyncClipWorker."""

  def __init__(self, process: "asyncio.subprocess.Process", forward_stderr: bool,
               progress: Optional[ProgressCallback]) -> None:
    self.process = process
    self.closing = False
    self._ids = itertools.count(1)
    self._pending: Dict[int, "asyncio.Future[Any]"] = {}
    self._transforms: Dict[int, Optional[_wire.Transform]] = {}
    self._exit_error: Optional[WorkerExitedError] = None
    self._progress = progress
    self._forward_stderr = forward_stderr
    self._stderr_tail: Deque[str] = collections.deque(maxlen=_STDERR_TAIL_LINES)
    self._write_lock = asyncio.Lock()
    self._stderr_task = asyncio.ensure_future(self._drain_stderr()) if process.stderr is not None else None
    self._reader_task = asyncio.ensure_future(self._read_responses())

  @classmethod
  async def spawn(cls, command: Sequence[str], env: Optional[Dict[str, str]], stderr: StderrOption,
                  progress: Optional[ProgressCallback]) -> "_AsyncConnection":
    environment = dict(os.environ)
    environment.update(env or {})
    piped = stderr in ("forward", "capture")
    process_stderr: Any = asyncio.subprocess.PIPE if piped else (None if stderr == "inherit" else stderr)
    process = await asyncio.create_subprocess_exec(
      *command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=process_stderr,
      env=environment, limit=_LINE_LIMIT)
    return cls(process, stderr == "forward", progress)

  @property
  def stderr_tail(self) -> str:
    return "".join(self._stderr_tail)

  async def call(self, call: _wire.Call) -> Any:
    request_id = next(self._ids)
    if self._exit_error is not None:
      raise self._exit_error
    future: "asyncio.Future[Any]" = asyncio.get_running_loop().create_future()
    self._pending[request_id] = future
    self._transforms[request_id] = call.transform
    message: Dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": call.method}
    if call.params is not None:
      message["params"] = call.params
    try:
      await self.write(message)
      return await future
    except asyncio.CancelledError:
      if self._pending.pop(request_id, None) is not None:
        self._transforms.pop(request_id, None)
        try:
          await asyncio.shield(self.write({"jsonrpc": "2.0", "method": "$/cancelRequest",
                                           "params": {"id": request_id}}))
        except WorkerExitedError:
          pass
      raise

  async def write(self, message: Dict[str, Any]) -> None:
    data = (json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8")
    stdin = self.process.stdin
    assert stdin is not None
    async with self._write_lock:
      try:
        stdin.write(data)
        await stdin.drain()
      except (OSError, RuntimeError) as error:  # A broken pipe, or a transport already closed.
        raise WorkerExitedError(self.process.returncode, self.stderr_tail,
                                "cannot write to the worker: %s" % error) from None

  async def close(self, timeout: float) -> Optional[int]:
    if not self.closing and self._exit_error is None:
      self.closing = True
      try:
        await asyncio.wait_for(self.call(_wire.Call("shutdown", None)), timeout)
        await self.write({"jsonrpc": "2.0", "method": "exit"})
      except (ClipWorkerError, WorkerExitedError, asyncio.TimeoutError):
        pass  # terminate() ends the process either way.
    return await self.terminate(timeout)

  async def terminate(self, timeout: float) -> Optional[int]:
    self.closing = True
    stdin = self.process.stdin
    if stdin is not None and not stdin.is_closing():
      stdin.close()
    try:
      await asyncio.wait_for(self.process.wait(), timeout)
    except asyncio.TimeoutError:
      self.process.kill()
      await self.process.wait()
    await asyncio.wait_for(self._reader_task, timeout)
    if self._stderr_task is not None:
      await asyncio.wait_for(self._stderr_task, timeout)
    return self.process.returncode

  async def _read_responses(self) -> None:
    stdout = self.process.stdout
    assert stdout is not None
    while True:
      try:
        line = await stdout.readline()
      except ValueError:  # A line beyond the limit: it answers nothing we can match.
        continue
      if not line:
        break
      try:
        message = json.loads(line)
      except ValueError:
        continue
      for response in (message if isinstance(message, list) else [message]):
        if isinstance(response, dict):
          self._dispatch(response)
    returncode = await self.process.wait()
    if self._stderr_task is not None:
      await self._stderr_task
    self._exit_error = WorkerExitedError(returncode, self.stderr_tail)
    pending, self._pending = self._pending, {}
    self._transforms.clear()
    for future in pending.values():
      if not future.done():
        future.set_exception(self._exit_error)

  def _dispatch(self, response: Dict[str, Any]) -> None:
    if "id" not in response:
      if response.get("method") == "$/progress" and self._progress is not None:
        try:
          self._progress(response.get("params") or {})
        except Exception:
          _log.exception("the progress callback failed")
      return
    request_id = response.get("id")
    future = self._pending.pop(request_id, None) if isinstance(request_id, int) else None
    transform = self._transforms.pop(request_id, None) if isinstance(request_id, int) else None
    if future is None or future.done():
      return
    if "error" in response:
      future.set_exception(ClipWorkerError.from_wire(response["error"]))
      return
    try:
      result = response.get("result")
      future.set_result(transform(result) if transform else result)
    except Exception as error:
      future.set_exception(error)

  async def _drain_stderr(self) -> None:
    stream = self.process.stderr
    assert stream is not None
    while True:
      try:
        raw = await stream.readline()
      except ValueError:
        continue
      if not raw:
        return
      line = raw.decode("utf-8", "replace")
      self._stderr_tail.append(line)
      if self._forward_stderr:
        sys.stderr.write(line)
