"""ClipWorker: spawns `clip-worker` and talks newline-delimited JSON-RPC 2.0 to it over its stdin/stdout."""

import array
import base64
import collections
import concurrent.futures
import itertools
import json
import os
import subprocess
import sys
import threading

from .errors import ClipWorkerError, WorkerExitedError
from .images import image_input, is_single_image
from .locate import find_executable

try:
  import numpy
except ImportError:  # numpy is optional: without it results are lists and as_numpy=True is refused.
  numpy = None

_STDERR_TAIL_LINES = 50


class ClipWorker:
  """A running clip-worker process with a loaded model.

  Thread-safe: any number of threads may call it at once; requests are written whole under a lock and a
  reader thread hands each response to the future of the request with the same id, so many requests can be
  in flight and answers may come back in any order. Use it as a context manager, or call close().

      with ClipWorker(model="path/to/clip") as worker:
        vectors = worker.encode_text(["a cat", "a dog"])
        labels = worker.classify("cat.jpg", ["cat", "dog"], top_k=1)

  Arguments:
    model: the checkpoint directory (config.json, model.safetensors, tokenizer files), passed as --model.
    executable: the clip-worker binary; default: see `find_executable` (CLIP_WORKER_BIN, PATH, .build/).
    args: extra command-line arguments appended as given.
    env: variables added to (overriding) the inherited environment.
    cache_mb, threads, max_image_pixels, log_level: passed as --cache-mb, --threads, ... when not None.
    stderr: None keeps the last lines of the worker's stderr (shown in WorkerExitedError); "inherit" lets
      it through to ours; anything else is passed to subprocess.Popen (e.g. subprocess.DEVNULL, a file).
    initialize: send `initialize` at start and keep its result in `info` (waits for the model to load).
    timeout: default seconds to wait for each synchronous call (None: no limit).
  """

  def __init__(self, model, executable=None, *, args=(), env=None, cache_mb=None, threads=None,
               max_image_pixels=None, log_level=None, stderr=None, initialize=True, timeout=None):
    command = [find_executable(executable), "--model", os.fspath(model)]
    for flag, value in (("--cache-mb", cache_mb), ("--threads", threads),
                        ("--max-image-pixels", max_image_pixels), ("--log-level", log_level)):
      if value is not None:
        command += [flag, str(value)]
    command += [str(argument) for argument in args]
    environment = dict(os.environ)
    environment.update(env or {})
    self.command = command
    self.timeout = timeout
    self.info = None
    self._ids = itertools.count(1)
    self._pending = {}
    self._pending_lock = threading.Lock()
    self._write_lock = threading.Lock()
    self._exit_error = None
    self._closing = False
    self._stderr_tail = collections.deque(maxlen=_STDERR_TAIL_LINES)
    capture = stderr is None
    popen_stderr = subprocess.PIPE if capture else (None if stderr == "inherit" else stderr)
    self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=popen_stderr, env=environment)
    self._stderr_thread = None
    if capture:
      self._stderr_thread = threading.Thread(target=self._drain_stderr, name="clip-worker-stderr", daemon=True)
      self._stderr_thread.start()
    self._reader = threading.Thread(target=self._read_responses, name="clip-worker-reader", daemon=True)
    self._reader.start()
    if initialize:
      try:
        self.info = self.initialize()
      except BaseException:
        self._terminate()
        raise

  # MARK: - Methods

  def initialize(self, timeout=None):
    """Calls `initialize`: {serverInfo, model {embeddingDim, imageSize, contextLength, dtype, ...}, methods,
    limits}. Done by the constructor unless initialize=False."""
    return self.request("initialize", {}, timeout=timeout)

  def encode_text(self, texts, *, normalize=True, as_numpy=False, timeout=None):
    """Embeds texts. A list gives a list of vectors (or an (n, dim) float32 array with as_numpy=True);
    a single str gives one vector."""
    return self._result(self.encode_text_async(texts, normalize=normalize, as_numpy=as_numpy), timeout)

  def encode_text_async(self, texts, *, normalize=True, as_numpy=False):
    """encode_text without waiting: returns a Future (with `request_id`, usable with cancel())."""
    single = isinstance(texts, str)
    texts = [texts] if single else list(texts)
    return self.request_async("encodeText", {"texts": texts, "normalize": normalize, "encoding": "base64"},
                              transform=_embeddings_decoder(single, as_numpy))

  def encode_image(self, images, *, normalize=True, as_numpy=False, timeout=None):
    """Embeds images: each a path, bytes, a binary file object or an ImageInput dict. A list or tuple gives a
    list of vectors (an (n, dim) float32 array with as_numpy=True); a single image gives one vector."""
    return self._result(self.encode_image_async(images, normalize=normalize, as_numpy=as_numpy), timeout)

  def encode_image_async(self, images, *, normalize=True, as_numpy=False):
    """encode_image without waiting: returns a Future (with `request_id`, usable with cancel())."""
    single = is_single_image(images)
    inputs = [image_input(images)] if single else [image_input(image) for image in images]
    return self.request_async("encodeImage", {"images": inputs, "normalize": normalize, "encoding": "base64"},
                              transform=_embeddings_decoder(single, as_numpy))

  def classify(self, image, labels, *, template=None, top_k=None, timeout=None):
    """Zero-shot classification: a list of {"label", "score"} dicts, highest score first (scores are the
    softmax over all labels, as in transformers' zero-shot pipeline). With a list or tuple of images, one such
    list per image. `template` defaults to the worker's "This is a photo of {}."."""
    return self._result(self.classify_async(image, labels, template=template, top_k=top_k), timeout)

  def classify_async(self, image, labels, *, template=None, top_k=None):
    """classify without waiting: returns a Future (with `request_id`, usable with cancel())."""
    if isinstance(labels, str):
      raise TypeError("labels must be a list of strings, not a str")
    params = {"labels": list(labels)}
    if is_single_image(image):
      params["image"] = image_input(image)
    else:
      params["images"] = [image_input(one) for one in image]
    if template is not None:
      params["template"] = template
    if top_k is not None:
      params["topK"] = top_k
    return self.request_async("classify", params)

  def cache_stats(self, timeout=None):
    """The embedding cache's counters: {entries, bytes, capacityBytes, hits, misses, evictions, hitRate,
    image {...}, text {...}}."""
    return self.request("cacheStats", {}, timeout=timeout)

  def cache_clear(self, timeout=None):
    """Empties the embedding cache; returns the worker's answer."""
    return self.request("cacheClear", {}, timeout=timeout)

  # MARK: - Generic JSON-RPC

  def request(self, method, params=None, *, timeout=None):
    """Sends a request and waits for its result. Raises ClipWorkerError for an error response,
    WorkerExitedError if the worker dies first, TimeoutError (after cancelling the request) on timeout."""
    return self._result(self.request_async(method, params), timeout)

  def request_async(self, method, params=None, *, transform=None):
    """Sends a request and returns a concurrent.futures.Future for its result; the future carries the
    request's id as `request_id`. `transform`, if given, is applied to the result before it is set."""
    self._check_open()
    return self._send_request(method, params, transform)

  def notify(self, method, params=None):
    """Sends a notification (no id, no response). Raises WorkerExitedError if the worker cannot be written to."""
    message = {"jsonrpc": "2.0", "method": method}
    if params is not None:
      message["params"] = params
    self._write(message)

  def cancel(self, future_or_id):
    """Asks the worker to cancel a request ($/cancelRequest). Its future then fails with a ClipWorkerError
    whose code is -32800 (REQUEST_CANCELLED), unless the worker had already answered."""
    request_id = getattr(future_or_id, "request_id", future_or_id)
    try:
      self.notify("$/cancelRequest", {"id": request_id})
    except WorkerExitedError:
      pass  # Nothing left to cancel: pending futures fail with WorkerExitedError anyway.

  # MARK: - Lifecycle

  @property
  def process(self):
    """The subprocess.Popen of the worker."""
    return self._process

  @property
  def stderr_tail(self):
    """The last lines the worker wrote to stderr (empty unless stderr was captured)."""
    return "".join(self._stderr_tail)

  def close(self, timeout=10):
    """Sends `shutdown` then `exit`, waits for the process to end (killing it after `timeout` seconds) and
    returns its exit status. Requests still in flight are answered first. Safe to call more than once."""
    with self._pending_lock:
      already_closing = self._closing
      self._closing = True
    if not already_closing and self._exit_error is None:
      try:
        self._send_request("shutdown", None, None).result(timeout)
        self._write({"jsonrpc": "2.0", "method": "exit"})
      except (ClipWorkerError, WorkerExitedError, concurrent.futures.TimeoutError):
        pass  # The process is ended below either way.
    return self._terminate(timeout)

  def __enter__(self):
    return self

  def __exit__(self, *exc_info):
    self.close()
    return False

  # MARK: - Internals

  def _result(self, future, timeout):
    """Waits for a request's future; on timeout, cancels the request and raises TimeoutError."""
    try:
      return future.result(self.timeout if timeout is None else timeout)
    except concurrent.futures.TimeoutError:
      self.cancel(future)
      raise

  def _check_open(self):
    if self._closing:
      raise RuntimeError("ClipWorker is closed")

  def _send_request(self, method, params, transform):
    future = concurrent.futures.Future()
    with self._pending_lock:
      request_id = next(self._ids)
      future.request_id = request_id
      if self._exit_error is not None:
        future.set_exception(self._exit_error)
        return future
      self._pending[request_id] = (future, transform)
    message = {"jsonrpc": "2.0", "id": request_id, "method": method}
    if params is not None:
      message["params"] = params
    try:
      self._write(message)
    except WorkerExitedError:
      pass  # The reader thread sees the end of output and fails every pending future, this one included.
    return future

  def _write(self, message):
    line = json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"
    data = line.encode("utf-8")
    with self._write_lock:
      try:
        self._process.stdin.write(data)
        self._process.stdin.flush()
      except (OSError, ValueError) as error:  # A broken pipe, or stdin already closed.
        raise WorkerExitedError(self._process.poll(), self.stderr_tail, "cannot write to the worker: %s" % error)

  def _read_responses(self):
    stdout = self._process.stdout
    for line in iter(stdout.readline, b""):
      try:
        message = json.loads(line)
      except ValueError:
        continue  # The worker writes only JSON lines; anything else answers nothing of ours.
      for response in (message if isinstance(message, list) else [message]):
        self._dispatch(response)
    try:
      returncode = self._process.wait(timeout=5)
    except subprocess.TimeoutExpired:
      returncode = None
    if self._stderr_thread is not None:
      self._stderr_thread.join(timeout=5)
    self._fail_pending(WorkerExitedError(returncode, self.stderr_tail))

  def _dispatch(self, response):
    request_id = response.get("id") if isinstance(response, dict) else None
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

  def _fail_pending(self, error):
    with self._pending_lock:
      self._exit_error = error
      pending, self._pending = self._pending, {}
    for future, _ in pending.values():
      future.set_exception(error)

  def _drain_stderr(self):
    for line in iter(self._process.stderr.readline, b""):
      self._stderr_tail.append(line.decode("utf-8", "replace"))

  def _terminate(self, timeout=10):
    with self._pending_lock:
      self._closing = True
    try:
      self._process.stdin.close()
    except OSError:
      pass
    try:
      self._process.wait(timeout)
    except subprocess.TimeoutExpired:
      self._process.kill()
      self._process.wait()
    self._reader.join(timeout)
    if self._stderr_thread is not None:
      self._stderr_thread.join(timeout)
    for stream in (self._process.stdout, self._process.stderr):
      if stream is not None and not self._reader.is_alive():
        stream.close()
    return self._process.returncode


def _embeddings_decoder(single, as_numpy):
  """Decodes an encodeText/encodeImage result sent with encoding "base64" (little-endian float32)."""
  if as_numpy and numpy is None:
    raise RuntimeError("as_numpy=True needs numpy, which is not installed")

  def decode(result):
    rows = [base64.b64decode(row) for row in result["embeddings"]]
    if as_numpy:
      matrix = numpy.stack([numpy.frombuffer(row, dtype="<f4") for row in rows]) if rows else \
        numpy.zeros((0, result["dim"]), dtype="<f4")
      return matrix[0] if single else matrix
    vectors = []
    for row in rows:
      values = array.array("f", row)
      if sys.byteorder == "big":
        values.byteswap()
      vectors.append(values.tolist())
    return vectors[0] if single else vectors

  return decode
